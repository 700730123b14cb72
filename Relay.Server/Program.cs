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
    // A bad setting, or a store that will not open. One line and exit code 1, rather than the runtime's crash report
    // and an abort, is what a platform's log and restart policy should see; the host has logged a failed start whole.
    Console.Error.WriteLine($"SignalRelay stopped: {ex.Message}");
    return 1;
}
