global using NUnit.Framework;
global using SignalRelay.Contracts;
global using SignalRelay.Tests.Infrastructure;
