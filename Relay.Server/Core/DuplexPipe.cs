using System.IO.Pipelines;

namespace SignalRelay.Server.Core;

/// <summary>A connection's transport with one of its sides replaced.</summary>
public sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
