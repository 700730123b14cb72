using System.Globalization;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Hub;

/// <summary>
/// Where a hub connection asks its replay to start: the <c>resume</c> query parameter, a seq or <c>start</c>, or none.
/// Anything else is refused (<c>INVALID_MESSAGE</c>), as the raw doors refuse a <c>resume_from_seq</c> that is no seq:
/// taken as none, it replayed from the stored cursor, and a client that asked for more was silently sent less.
/// </summary>
public readonly record struct HubResume(long? AfterSeq, bool FromLastStart)
{
    public static HubResume Read(HttpContext http)
    {
        var given = http.Request.Query[HubProtocol.ResumeQuery];
        if (given.Count == 0 || (given.Count == 1 && string.IsNullOrEmpty(given[0])))
        {
            return default;
        }
        if (given.Count == 1 && given[0] == HubProtocol.ResumeFromLastStart)
        {
            return new HubResume(null, FromLastStart: true);
        }
        if (given.Count == 1 && long.TryParse(given[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return new HubResume(seq, FromLastStart: false);
        }
        throw new RelayException(ErrorCodes.InvalidMessage,
            $"'{HubProtocol.ResumeQuery}' must be given once, as a seq (a non-negative integer) or '{HubProtocol.ResumeFromLastStart}'.",
            recoverable: false);
    }
}
