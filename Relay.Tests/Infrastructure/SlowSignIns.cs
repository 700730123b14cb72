using Microsoft.AspNetCore.SignalR;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>
/// A hub filter that holds each hub connection's sign-in (the hub's <c>OnConnectedAsync</c>) for <see cref="Delay"/>, as a
/// busy relay's thread pool may, after SignalR has already answered the client's handshake.
/// </summary>
public sealed class SlowSignIns : IHubFilter
{
    public TimeSpan Delay { get; set; }

    public static Action<IServiceCollection> AddTo(SlowSignIns filter) =>
        services => services.Configure<HubOptions>(o => o.AddFilter(filter));

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        await Task.Delay(Delay);
        await next(context);
    }
}
