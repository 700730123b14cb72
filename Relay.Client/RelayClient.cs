using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SignalRelay.Contracts;

namespace SignalRelay.Client;

/// <summary>
/// A .NET agent's connection to the relay. Incoming messages arrive once each and in bus order on
/// <see cref="Messages"/>; after a dropped connection the client reconnects by itself and resumes after
/// the last seq it saw, so nothing is missed and nothing arrives twice.
/// </summary>
public sealed class RelayClient : IAsyncDisposable
{
    private static readonly TimeSpan RateLimitedRetryDelay = TimeSpan.FromMilliseconds(200);

    private readonly RelayClientOptions _options;
    private readonly HubConnection _connection;
    private readonly WebSocketConnectionFactory _connections;
    private readonly Channel<Envelope> _messages = Channel.CreateUnbounded<Envelope>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposing = new();
    private long _lastSeq;
    private volatile bool _replaced;
    // The last reason the relay gave for closing a connection (a non-recoverable error): why the client ended, if it does.
    private volatile RelayError? _farewell;
    private int _ended;
    private volatile bool _connectedBefore;
    // Reconnect attempts since the agent was last signed in. A connection the relay closed before signing the agent in
    // hands the count on to the reconnects of its own close, so a relay that keeps refusing is tried as the delays say.
    private int _reconnectAttempts;
    private readonly Lock _lifecycle = new();
    // What a connect waits for: completed with null once the agent is signed in, or with why the client ended. Null until
    // a connect opens a connection; a connection lost after a sign-in begins a new one, for the reconnect to complete, so
    // a connect made meanwhile waits for that rather than opening a second connection.
    private TaskCompletionSource<Exception?>? _signedIn;

    public RelayClient(RelayClientOptions options)
    {
        _options = options;
        _lastSeq = options.ResumeFromSeq ?? -1;
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<RelayClient>();

        var protocolOptions = new JsonHubProtocolOptions();
        protocolOptions.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, RelayJsonContext.Default);
        var protocol = new JsonHubProtocol(Options.Create(protocolOptions));
        var hubAddress = HubAddress(options.ServerUrl);
        _connections = new WebSocketConnectionFactory(() => WithQuery(hubAddress), options.AccessTokenProvider, options.ConnectTimeout);
        _connection = new HubConnection(
            _connections,
            protocol,
            new UriEndPoint(hubAddress),
            new ServiceCollection().BuildServiceProvider(),
            loggerFactory);

        _connection.On<Envelope>(HubProtocol.Receive, OnReceive);
        _connection.On<PresenceEvent>(HubProtocol.Presence, p => PresenceChanged?.Invoke(p));
        _connection.On<RelayError>(HubProtocol.Error, OnError);
        _connection.Closed += OnClosedAsync;
    }

    public string AgentId => _options.AgentId;

    /// <summary>The highest seq received so far, or -1.</summary>
    public long LastSeq => Interlocked.Read(ref _lastSeq);

    public HubConnectionState State => _connection.State;

    /// <summary>Every message addressed to this agent, once each, in bus order.</summary>
    public ChannelReader<Envelope> Messages => _messages.Reader;

    public event Action<PresenceEvent>? PresenceChanged;
    public event Action<RelayError>? ErrorReceived;
    public event Action? Reconnected;

    /// <summary>
    /// Raised once, when the client stops for good: with null when disposed; replaced by another connection, or out of
    /// retries, with why (a relay's reason as <c>CODE: message</c>), which <see cref="Messages"/> then ends with too.
    /// </summary>
    public event Action<Exception?>? Closed;

    /// <summary>
    /// Returns once the relay has signed the agent in. If the relay closes the connection first (a token that lapsed on
    /// the way, a relay shutting down), the client reconnects as <see cref="RelayClientOptions.ReconnectDelays"/> allow,
    /// and this throws why it gave up, if it does. Called while a connect or reconnect is under way it waits for that
    /// one, and once signed in it returns at once. Cancelling stops the wait: a connection already open goes on signing
    /// in (dispose the client to stop it). A client that has ended for good (<see cref="Closed"/>) cannot connect again.
    /// </summary>
    public async Task ConnectAsync(CancellationToken ct = default)
    {
        TaskCompletionSource<Exception?> signedIn;
        bool opening;
        lock (_lifecycle)
        {
            ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
            if (Volatile.Read(ref _ended) == 1)
            {
                throw new InvalidOperationException("The client has ended for good; connect with a new one.");
            }
            opening = _signedIn is null;
            signedIn = _signedIn ??= new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        if (opening)
        {
            await OpenAsync(signedIn, ct);
        }
        if (await signedIn.Task.WaitAsync(ct) is { } ended)
        {
            throw ended;
        }
    }

    private async Task OpenAsync(TaskCompletionSource<Exception?> signedIn, CancellationToken ct)
    {
        try
        {
            _reconnectAttempts = 0;
            await _connection.StartAsync(ct);
        }
        catch (Exception ex)
        {
            // No connection, so no close to reconnect from: the next connect opens one again.
            lock (_lifecycle)
            {
                _signedIn = null;
            }
            signedIn.TrySetResult(ex);
            throw;
        }
        _connectedBefore = true;
        // Not on the caller's token: an open connection signs in, or closes and reconnects, for whoever waits next.
        await FirstSignInAsync(_connections.Latest, signedIn).WaitAsync(ct);
    }

    private async Task FirstSignInAsync(WebSocketConnection? connection, TaskCompletionSource<Exception?> signedIn)
    {
        try
        {
            await SignInAsync(connection, _disposing.Token);
        }
        catch (Exception) when (ClosedBeforeSignIn(connection) || _disposing.IsCancellationRequested)
        {
            // The connection's close reconnects, or ends the client, and so completes the wait.
            return;
        }
        catch (Exception)
        {
            // Refused on a connection that lives on: connected all the same, and the caller is told why.
            signedIn.TrySetResult(null);
            throw;
        }
        signedIn.TrySetResult(null);
    }

    public Task<SendAck> SendAsync(SendRequest request, CancellationToken ct = default) =>
        _connection.InvokeAsync<SendAck>(HubProtocol.Send, request, ct);

    public Task<SendAck> BroadcastAsync(JsonElement content, string? id = null, CancellationToken ct = default) =>
        SendAsync(new SendRequest { Id = id, Content = content, SentAt = Now() }, ct);

    public Task<SendAck> DirectAsync(string to, JsonElement content, string? id = null, CancellationToken ct = default) =>
        SendAsync(new SendRequest { Id = id, To = to, Content = content, SentAt = Now() }, ct);

    /// <summary>Relays each chunk as a <c>stream</c> message, then a <c>turn_end</c>, whose ACK is returned.</summary>
    public Task<SendAck> StreamAsync(IAsyncEnumerable<JsonElement> chunks, string? to = null, CancellationToken ct = default) =>
        _connection.InvokeAsync<SendAck>(HubProtocol.Stream, to, chunks, ct);

    public async Task<IReadOnlyList<Envelope>> HistoryAsync(HistoryQuery? query = null, CancellationToken ct = default) =>
        await _connection.InvokeAsync<Envelope[]>(HubProtocol.History, query ?? new HistoryQuery(), ct);

    /// <summary>
    /// Every agent the relay knows, by id. The relay lists them in pages of at most <c>Relay:Limits:MaxReplyBytes</c>;
    /// this asks for one after another until a page is empty. Each page counts against the agent's read budget: a first
    /// page past it is refused (<c>RATE_LIMITED</c>), but a later one is asked for again as the budget refills, or a
    /// relay that knows more agents than the budget's burst could never be listed to the end.
    /// </summary>
    public async Task<IReadOnlyList<AgentInfo>> AgentsAsync(CancellationToken ct = default)
    {
        var agents = new List<AgentInfo>(await _connection.InvokeAsync<AgentInfo[]>(HubProtocol.Agents, ct));
        while (agents.Count > 0 && await AgentsAfterAsync(agents[^1].Id, ct) is { Length: > 0 } page)
        {
            agents.AddRange(page);
        }
        return agents;
    }

    private async Task<AgentInfo[]> AgentsAfterAsync(string after, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await _connection.InvokeAsync<AgentInfo[]>(HubProtocol.AgentsAfter, after, ct);
            }
            catch (HubException ex) when (IsRateLimited(ex))
            {
                await Task.Delay(RateLimitedRetryDelay, ct);
            }
        }
    }

    private static bool IsRateLimited(HubException ex) => ex.Message.Contains($"{ErrorCodes.RateLimited}:", StringComparison.Ordinal);

    public Task HeartbeatAsync(CancellationToken ct = default) => _connection.InvokeAsync(HubProtocol.Heartbeat, ct);

    public Task AnnounceAsync(JsonElement metadata, CancellationToken ct = default) =>
        _connection.InvokeAsync(HubProtocol.Announce, metadata, ct);

    /// <summary>
    /// Presents a fresh token for this agent so the live session outlasts the token it connected with; returns
    /// the new expiry. (SignalR cannot refresh a live connection's token; reconnects use <see cref="RelayClientOptions.AccessTokenProvider"/>.)
    /// </summary>
    public Task<DateTimeOffset?> RefreshTokenAsync(string token, CancellationToken ct = default) =>
        _connection.InvokeAsync<DateTimeOffset?>(HubProtocol.RefreshToken, token, ct);

    private void OnReceive(Envelope envelope)
    {
        // A reconnect replays from the last seq seen; anything at or below it was already handed out.
        if (envelope.Seq <= Interlocked.Read(ref _lastSeq))
        {
            return;
        }
        Interlocked.Exchange(ref _lastSeq, envelope.Seq);
        _messages.Writer.TryWrite(envelope);
    }

    private void OnError(RelayError error)
    {
        if (error.Code == ErrorCodes.SessionReplaced)
        {
            _replaced = true;
        }
        ErrorReceived?.Invoke(error);
        if (!error.Recoverable)
        {
            _farewell = error;
            // The relay is about to close this connection; leaving first makes it a clean close.
            // Not awaited: stopping waits for this very handler to return.
            _ = _connection.StopAsync();
        }
    }

    private async Task OnClosedAsync(Exception? error)
    {
        if (!_disposing.IsCancellationRequested && !_replaced)
        {
            _logger.LogInformation(error, "Relay connection lost; reconnecting after seq {Seq}", LastSeq);
            var signedIn = AwaitSignInAgain();
            switch (await TryReconnectAsync(_disposing.Token))
            {
                case ReconnectOutcome.SignedIn:
                    signedIn.TrySetResult(null);
                    Reconnected?.Invoke();
                    return;
                case ReconnectOutcome.ClosedBeforeSignIn:
                    // That connection's own close reconnects from here.
                    return;
            }
        }
        End(error);
    }

    /// <summary>What a connect waits for from now on: the sign-in still awaited, or after one, the reconnect's.</summary>
    private TaskCompletionSource<Exception?> AwaitSignInAgain()
    {
        lock (_lifecycle)
        {
            if (_signedIn is not { Task.IsCompleted: false })
            {
                _signedIn = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            return _signedIn;
        }
    }

    /// <summary>
    /// Ends the client, once: a reconnect cancelled by the dispose ends it, and so does the close of the connection it had
    /// opened. Disposed on purpose, the client ends cleanly, whatever the connection it was waiting to replace died of.
    /// </summary>
    private void End(Exception? closedBy)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 1)
        {
            return;
        }
        var reason = _disposing.IsCancellationRequested ? null
            : _farewell is { } told ? new HubException($"{told.Code}: {told.Message}")
            : closedBy ?? new InvalidOperationException("The relay closed the connection.");
        lock (_lifecycle)
        {
            _signedIn?.TrySetResult(reason ?? new ObjectDisposedException(nameof(RelayClient)));
        }
        _messages.Writer.TryComplete(reason);
        Closed?.Invoke(reason);
    }

    private enum ReconnectOutcome { SignedIn, ClosedBeforeSignIn, GaveUp }

    private async Task<ReconnectOutcome> TryReconnectAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested && !_replaced)
        {
            var delays = _options.ReconnectDelays;
            if (delays.Count == 0)
            {
                return ReconnectOutcome.GaveUp;
            }
            var delay = delays[Math.Min(_reconnectAttempts, delays.Count - 1)];
            _reconnectAttempts = Math.Min(_reconnectAttempts + 1, delays.Count);
            WebSocketConnection? connection;
            try
            {
                await Task.Delay(delay, ct);
                await _connection.StartAsync(ct);
                connection = _connections.Latest;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return ReconnectOutcome.GaveUp;
            }
            catch (Exception ex)
            {
                _logger.LogDebug(ex, "Reconnect attempt {Attempt} failed", _reconnectAttempts);
                continue;
            }
            try
            {
                await SignInAsync(connection, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return ReconnectOutcome.GaveUp;
            }
            catch (Exception ex) when (ClosedBeforeSignIn(connection))
            {
                _logger.LogDebug(ex, "Reconnect attempt {Attempt}: the relay closed the connection before signing the agent in", _reconnectAttempts);
                return ReconnectOutcome.ClosedBeforeSignIn;
            }
            catch (Exception ex)
            {
                // Connected all the same: starting again would only fail on the live connection.
                _logger.LogWarning(ex, "Reconnected, but announcing the metadata failed");
            }
            _reconnectAttempts = 0;
            return ReconnectOutcome.SignedIn;
        }
        return ReconnectOutcome.GaveUp;
    }

    /// <summary>
    /// Announces the metadata, or without any just calls the relay. SignalR's start completes once the relay has
    /// answered the handshake, before the hub has signed the agent in; the relay serves a call only after that. So
    /// once this returns the relay holds the connection as the agent's, and a client started after it replaces this
    /// one rather than being replaced by it. An announcement counts against the agent's send budget, and an agent that
    /// has just been sending may have spent it: then it is tried again as the budget refills, until it is taken or the
    /// connection is gone. Gone, it is not tried again: the call would go over the connection its close reconnects with.
    /// </summary>
    private async Task SignInAsync(WebSocketConnection? connection, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await (_options.Metadata is { } metadata ? AnnounceAsync(metadata, ct) : HeartbeatAsync(ct));
                return;
            }
            catch (HubException ex) when (IsRateLimited(ex))
            {
                await Task.Delay(RateLimitedRetryDelay, ct);
                if (ClosedBeforeSignIn(connection))
                {
                    throw;
                }
            }
        }
    }

    /// <summary>
    /// Whether a sign-in failed because the relay closed the connection first (its sign-in refused, as when the store
    /// fails), rather than because the relay refused the call on a connection that lives on.
    /// </summary>
    private static bool ClosedBeforeSignIn(WebSocketConnection? connection) => connection is null || connection.IsClosing;

    private Uri WithQuery(Uri hubAddress)
    {
        var query = $"{HubProtocol.AgentQuery}={Uri.EscapeDataString(_options.AgentId)}";
        if (LastSeq >= 0)
        {
            query += $"&{HubProtocol.ResumeQuery}={LastSeq}";
        }
        else if (_connectedBefore)
        {
            // Nothing received yet, so no seq to resume after: what the relay wrote to a connection that died unnoticed
            // would otherwise count as had.
            query += $"&{HubProtocol.ResumeQuery}={HubProtocol.ResumeFromLastStart}";
        }
        return new UriBuilder(hubAddress) { Query = query }.Uri;
    }

    private static Uri HubAddress(Uri server)
    {
        var builder = new UriBuilder(server)
        {
            Scheme = server.Scheme switch
            {
                "https" or "wss" => "wss",
                _ => "ws",
            },
            Path = server.AbsolutePath.TrimEnd('/') + HubProtocol.Path,
        };
        if (builder.Uri.IsDefaultPort)
        {
            builder.Port = -1;
        }
        return builder.Uri;
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("O");

    public async ValueTask DisposeAsync()
    {
        if (_disposing.IsCancellationRequested)
        {
            return;
        }
        // Not disposed: a Closed handler still running may read its token.
        await _disposing.CancelAsync();
        // A send waiting on a network gone silent holds the hub connection's lock, which its dispose waits for.
        _connections.Latest?.BeginClosing();
        await _connection.DisposeAsync();
        _messages.Writer.TryComplete();
    }
}
