using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace SignalRelay.Server.Hub;

/// <summary>
/// The hub's JSON protocol, with a whole message of a type it does not know read as a ping. SignalR's protocol passes such
/// a message over (a newer client's type) by reading it and returning no message, and its connection handler, taking
/// that for "not enough bytes yet", keeps the message in its buffer and reads it again whenever more bytes come: every
/// call the client made after it then waited, unanswered and with no error, for as long as the connection lasted.
/// </summary>
public sealed class UnknownMessagesAsPings(IHubProtocol inner) : IHubProtocol
{
    public string Name => inner.Name;
    public int Version => inner.Version;
    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        var start = input.Start;
        if (inner.TryParseMessage(ref input, binder, out message))
        {
            return true;
        }
        if (input.Start.Equals(start))
        {
            // The message is not all there yet.
            return false;
        }
        message = PingMessage.Instance;
        return true;
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(message, output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(message);
}
