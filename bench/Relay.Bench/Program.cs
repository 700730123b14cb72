using SignalRelay.Bench;

return await BenchCommand.RunAsync(args);
