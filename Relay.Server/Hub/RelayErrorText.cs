using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using SignalRelay.Contracts;

namespace SignalRelay.Server.Hub;

/// <summary>
/// The hub's protocol, with a refused call's error told as the relay's <c>CODE: message</c>, as the handshake tells
/// it. SignalR's dispatcher words the error of a call that threw a <see cref="HubException"/> as "An unexpected error
/// occurred invoking 'Send' on the server. HubException: CODE: message", which calls a refusal unexpected and leaves
/// a JS agent to dig the code out of a sentence; and a call whose arguments do not bind (a number where a string
/// goes, an argument left out) got "Failed to invoke 'Send' due to an error on the server." and no reason at all.
/// </summary>
public sealed class RelayErrorText(IHubProtocol inner) : IHubProtocol
{
    private const string HubExceptionMarker = " HubException: ";

    public string Name => inner.Name;
    public int Version => inner.Version;
    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        if (!inner.TryParseMessage(ref input, binder, out message))
        {
            return false;
        }
        if (message is InvocationBindingFailureMessage failure && failure.BindingFailure.SourceException is not HubException)
        {
            // A HubException here is SignalR's own reason (an unknown method), already told as it is.
            message = new InvocationBindingFailureMessage(failure.InvocationId, failure.Target,
                ExceptionDispatchInfo.Capture(new HubException(BindingRefusal(failure.Target, failure.BindingFailure.SourceException))));
        }
        return true;
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(Told(message), output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(Told(message));

    private static string BindingRefusal(string method, Exception reason)
    {
        var detail = reason.InnerException is JsonException { Path: { } path }
            ? $"the value at '{path}' is not of the type the relay takes there."
            : reason.Message;
        return $"{ErrorCodes.InvalidMessage}: The arguments do not fit '{method}': {detail}";
    }

    private static HubMessage Told(HubMessage message)
    {
        if (message is not CompletionMessage { Error: { } error, InvocationId: { } invocationId } completion)
        {
            return message;
        }
        var marker = error.IndexOf(HubExceptionMarker, StringComparison.Ordinal);
        if (marker < 0 || !StartsWithRelayCode(error.AsSpan(marker + HubExceptionMarker.Length)))
        {
            return message;
        }
        return new CompletionMessage(invocationId, error[(marker + HubExceptionMarker.Length)..], result: null, hasResult: false)
        {
            Headers = completion.Headers,
        };
    }

    /// <summary>True for <c>CODE: …</c>, the relay's refusals: capitals, digits and underscores, then a colon.</summary>
    private static bool StartsWithRelayCode(ReadOnlySpan<char> text)
    {
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        if (colon <= 0 || !char.IsAsciiLetterUpper(text[0]))
        {
            return false;
        }
        foreach (var c in text[..colon])
        {
            if (!char.IsAsciiLetterUpper(c) && !char.IsAsciiDigit(c) && c != '_')
            {
                return false;
            }
        }
        return true;
    }
}
