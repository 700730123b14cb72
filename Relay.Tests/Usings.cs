global using Microsoft.Extensions.DependencyInjection;
global using NUnit.Framework;
global using SignalRelay.Contracts;
global using SignalRelay.Tests.Infrastructure;
global using SignalRelay.Issuer;
