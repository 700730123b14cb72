using SignalRelay.Check;

return await ConnectionCheck.RunAsync(args, Console.Out);
