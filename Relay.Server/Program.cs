using SignalRelay.Server;

var app = RelayApp.Build(args);
await app.RunAsync();
