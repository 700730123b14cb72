namespace SignalRelay.Server.Operations;

/// <summary>
/// Keeps the host's "Hosting failed to start" error, which carries the exception's stack trace, out of the log until the
/// relay has started: <c>Program</c> says what to fix in one line (<c>SignalRelay stopped: ...</c>), and a platform's log
/// would otherwise show the same message first in an error line of kilobytes. Once started, the host's category logs at
/// Information and above, as by default; its Critical line (a background service that stops the host) always shows.
/// </summary>
public sealed class HostStartLog
{
    public const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private volatile bool _started;

    public void AddTo(ILoggingBuilder logging) =>
        logging.AddFilter(HostCategory, level => level >= LogLevel.Critical || _started && level >= LogLevel.Information);

    public void Watch(IHostApplicationLifetime lifetime) => lifetime.ApplicationStarted.Register(() => _started = true);
}
