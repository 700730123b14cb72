using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>
/// A connection, as the rest of Kestrel's pipeline sees it, whose transport is read through a
/// <see cref="PacedHttp2Input"/>, whichever transport is set on it. In clear text that is the socket's, paced from the
/// first byte. Over TLS it is first the socket's, whose encrypted bytes are not HTTP/2 and pass through; then Kestrel's
/// TLS middleware sets the decrypted transport on the connection it was given, this one, and that is paced. Everything
/// else is the connection underneath.
/// </summary>
public sealed class PacedTransportConnection : ConnectionContext
{
    private readonly ConnectionContext _inner;
    private readonly FramePacer _pacer;
    private IDuplexPipe _transport = null!;

    public PacedTransportConnection(ConnectionContext inner, FramePacer pacer)
    {
        _inner = inner;
        _pacer = pacer;
        Transport = inner.Transport;
    }

    public override IDuplexPipe Transport
    {
        get => _transport;
        set => _transport = value.Input is PacedHttp2Input
            ? value
            : new DuplexPipe(new PacedHttp2Input(value.Input, _pacer, _inner.ConnectionClosed), value.Output);
    }

    public override string ConnectionId
    {
        get => _inner.ConnectionId;
        set => _inner.ConnectionId = value;
    }

    public override IFeatureCollection Features => _inner.Features;

    public override IDictionary<object, object?> Items
    {
        get => _inner.Items;
        set => _inner.Items = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => _inner.ConnectionClosed;
        set => _inner.ConnectionClosed = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => _inner.LocalEndPoint;
        set => _inner.LocalEndPoint = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => _inner.RemoteEndPoint;
        set => _inner.RemoteEndPoint = value;
    }

    public override void Abort(ConnectionAbortedException abortReason) => _inner.Abort(abortReason);

    public override void Abort() => _inner.Abort();

    public override ValueTask DisposeAsync() => _inner.DisposeAsync();
}
