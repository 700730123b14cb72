using Microsoft.Extensions.Options;
using SignalRelay.Server;
using SignalRelay.Server.Operations;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync(args);
}

IHostApplicationLifetime? lifetime = null;
try
{
    var app = RelayApp.Build(args);
    lifetime = app.Lifetime;
    await app.RunAsync();
    return 0;
}
catch (OperationCanceledException) when (lifetime?.ApplicationStopping.IsCancellationRequested == true)
{
    // SIGTERM or Ctrl+C before the start had finished cancels the start: a stop the platform asked for (a deploy
    // replaced, a start slower than its check), not a failure for its restart policy to act on.
    Console.Error.WriteLine("SignalRelay stopped during start-up, as asked.");
    return 0;
}
catch (Exception ex)
{
    // A bad setting, a store that will not open, a port in use. One line and exit code 1, rather than the runtime's crash
    // report and an abort, is what a platform's log and restart policy should see (the host's own error line is kept
    // out: HostStartLog). Anything else is a fault of the relay's, told whole.
    Console.Error.WriteLine($"SignalRelay stopped: {ex.Message}");
    if (ex is not (InvalidOperationException or OptionsValidationException or IOException or System.Net.Sockets.SocketException))
    {
        Console.Error.WriteLine(ex);
    }
    return 1;
}
