using Microsoft.AspNetCore.SignalR;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Hub;

/// <summary>
/// Paces each hub connection's calls by its <see cref="FramePacer"/>. A call past the budget waits before it runs, and
/// once all of a connection's parallel calls wait SignalR reads no more from it. Calls start in the order they came,
/// waiting or not: a client's sends keep their order only because each starts before the next.
/// </summary>
public sealed class HubCallPacing(FramePacing pacing) : IHubFilter
{
    private sealed class Turns(FramePacer pacer)
    {
        public FramePacer Pacer { get; } = pacer;

        /// <summary>Completes once the latest call to wait has started.</summary>
        public Task LastStarted { get; set; } = Task.CompletedTask;
    }

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var turns = TurnsOf(invocation.Context);
        lock (turns)
        {
            if (turns.LastStarted.IsCompleted && turns.Pacer.TryTake())
            {
                return next(invocation);
            }
            var started = StartInTurnAsync(turns.LastStarted, turns.Pacer, invocation, next);
            turns.LastStarted = started;
            return new ValueTask<object?>(started.Unwrap());
        }
    }

    private static async Task<Task<object?>> StartInTurnAsync(
        Task previous, FramePacer pacer, HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        await previous;
        await pacer.TakeAsync(invocation.Context.ConnectionAborted);
        return next(invocation).AsTask();
    }

    public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        context.Context.Items[typeof(Turns)] = new Turns(pacing.NewPacer());
        return next(context);
    }

    private static Turns TurnsOf(HubCallerContext context) => (Turns)context.Items[typeof(Turns)]!;
}
