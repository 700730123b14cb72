using System.Net;
using System.Net.Sockets;
using SignalRelay.Client;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>
/// A loopback TCP proxy in front of a relay whose client side can be cut, as a network failure cuts it: the client's
/// socket is reset at once, while the relay's side stays open until the relay notices by itself. Or the network can go
/// silent (<see cref="Freeze"/>): nothing is passed on either way any more, and no socket is closed.
/// </summary>
public sealed class CuttableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private volatile Uri _target;
    private readonly List<TcpClient> _clients = [];
    private readonly List<TcpClient> _relaySides = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _frozen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CuttableProxy(Uri target)
    {
        _target = target;
        _listener.Start();
        _ = AcceptAsync();
    }

    public Uri BaseUri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Sends connections made from now on to <paramref name="target"/> (a relay restarted on a port of its own).</summary>
    public void RetargetTo(Uri target) => _target = target;

    /// <summary>A client of the relay through this proxy, waiting <paramref name="reconnectDelay"/> before every reconnect.</summary>
    public RelayClient CreateClient(string agentId, TimeSpan reconnectDelay) => new(new RelayClientOptions
    {
        ServerUrl = BaseUri,
        AgentId = agentId,
        ReconnectDelays = [reconnectDelay],
    });

    /// <summary>Resets every client connection made so far.</summary>
    public void CutClients()
    {
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Close();
            }
            _clients.Clear();
        }
    }

    /// <summary>
    /// Stops passing bytes on, either way, and reading them, without closing anything: as a pulled cable or a dropped NAT
    /// mapping looks to both ends, whose writes then fill the socket buffers and wait.
    /// </summary>
    public void Freeze() => _frozen.TrySetResult();

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var relay = new TcpClient();
            try
            {
                var target = _target;
                await relay.ConnectAsync(target.Host, target.Port);
            }
            catch (SocketException)
            {
                // The relay is down (restarting): the client sees its connection fail, as it would without the proxy.
                relay.Dispose();
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }
            lock (_clients)
            {
                _clients.Add(client);
                _relaySides.Add(relay);
            }
            _ = CopyAsync(client, relay);
            _ = CopyAsync(relay, client);
        }
    }

    private async Task CopyAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.GetStream().ReadAsync(buffer)) > 0)
            {
                if (_frozen.Task.IsCompleted)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }
                await to.GetStream().WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // Cut: what the relay still writes to a cut client goes nowhere, as on a dead network.
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        CutClients();
        lock (_clients)
        {
            foreach (var relay in _relaySides)
            {
                relay.Dispose();
            }
        }
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
