using Microsoft.AspNetCore.SignalR;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Hub;

/// <summary>
/// The logging of the hub's connection handler, which logs a connection the hub refuses in <c>OnConnectedAsync</c> (a token
/// that lapsed before the client's handshake came) as an error with its stack trace, once for every attempt of a client
/// that keeps trying. Such a refusal is the client's, told to it and logged at Debug by <see cref="RelayHubFilter"/>;
/// everything else the handler logs passes, so a hub that cannot be created, or a fault in signing a connection in, is
/// still an error.
/// </summary>
public sealed class HubRefusalQuietLogging(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new QuietLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    // The factory it wraps belongs to the container.
    public void Dispose()
    {
    }

    private sealed class QuietLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is HubException { InnerException: RelayException })
            {
                return;
            }
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
