using SignalRelay.Contracts;

namespace SignalRelay.Server.Core;

/// <summary>A request the relay refuses, with the error the client is told.</summary>
public sealed class RelayException(RelayError error) : Exception(error.Message)
{
    public RelayError Error { get; } = error;

    public RelayException(string code, string message, bool recoverable = true)
        : this(new RelayError { Code = code, Message = message, Recoverable = recoverable })
    {
    }
}
