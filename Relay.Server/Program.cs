using SignalRelay.Server;
using SignalRelay.Server.Operations;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync(args);
}

var app = RelayApp.Build(args);
try
{
    await app.RunAsync();
    return 0;
}
catch (Exception ex)
{
    // The host has logged it whole already. One line and exit code 1, rather than the runtime's crash report and an
    // abort, is what a platform's log and restart policy should see.
    Console.Error.WriteLine($"SignalRelay stopped: {ex.Message}");
    return 1;
}
