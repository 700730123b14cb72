using Microsoft.AspNetCore.SignalR;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>
/// A hub filter that troubles each hub connection's sign-in (the hub's <c>OnConnectedAsync</c>), which runs after SignalR
/// has already answered the client's handshake: it holds each for <see cref="Delay"/>, as a busy relay's thread pool may,
/// and refuses the next <see cref="RefusalsLeft"/> as a relay whose store fails does, which closes the connection.
/// </summary>
public sealed class TroubledSignIns : IHubFilter
{
    private readonly Lock _lock = new();
    private int _refusalsLeft;
    private int _begun;

    public TimeSpan Delay { get; set; }

    public int RefusalsLeft
    {
        get { lock (_lock) { return _refusalsLeft; } }
        set { lock (_lock) { _refusalsLeft = value; } }
    }

    /// <summary>Sign-ins begun so far: each one's connection has had its handshake answered.</summary>
    public int Begun => Volatile.Read(ref _begun);

    public static Action<IServiceCollection> AddTo(TroubledSignIns filter) =>
        services => services.Configure<HubOptions>(o => o.AddFilter(filter));

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        Interlocked.Increment(ref _begun);
        await Task.Delay(Delay);
        if (TakeRefusal())
        {
            throw new RelayException(ErrorCodes.StoreUnavailable, "Refused by the test.");
        }
        await next(context);
    }

    private bool TakeRefusal()
    {
        lock (_lock)
        {
            if (_refusalsLeft == 0)
            {
                return false;
            }
            _refusalsLeft--;
            return true;
        }
    }
}
