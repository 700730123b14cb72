using SignalRelay.Server;
using SignalRelay.Server.Operations;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync(args);
}

var app = RelayApp.Build(args);
await app.RunAsync();
return 0;
