using SignalRelay.Server;
using SignalRelay.Server.Operations;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync(args);
}

try
{
    await RelayApp.Build(args).RunAsync();
    return 0;
}
catch (Exception ex)
{
    // A bad setting, or a store that will not open. One line and exit code 1, rather than the runtime's crash report
    // and an abort, is what a platform's log and restart policy should see; the host has logged a failed start whole.
    Console.Error.WriteLine($"SignalRelay stopped: {ex.Message}");
    return 1;
}
