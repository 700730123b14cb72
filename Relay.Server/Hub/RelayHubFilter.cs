using Microsoft.AspNetCore.SignalR;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Hub;

/// <summary>
/// Every hub call and connection goes through here. A refusal (bad input, the rate limit, the store down) reaches
/// the caller as <c>CODE: message</c> and is logged at Debug: a client's mistake is not the relay's error, and a
/// flood of them must not flood the log. Anything else is the relay's fault, logged as an error. SignalR's
/// dispatcher would log every exception, refusals included, as an error with its stack trace, so its category is
/// kept quiet (<see cref="DispatcherCategory"/>). A refused connection is logged at Debug here, and SignalR's connection
/// handler, which would log it as an error too, passes it over (<see cref="HubRefusalQuietLogging"/>); any other failure to
/// sign a connection in, a hub that cannot even be created included, is still logged as an error, by that handler.
/// </summary>
public sealed class RelayHubFilter(ILogger<RelayHubFilter> logger) : IHubFilter
{
    public const string DispatcherCategory = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    public async ValueTask<object?> InvokeMethodAsync(
        HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocation);
        }
        catch (RelayException ex)
        {
            logger.LogDebug("Refused {Method} from {ConnectionId}: {Code}",
                invocation.HubMethodName, invocation.Context.ConnectionId, ex.Error.Code);
            throw Refusal(ex);
        }
        catch (OperationCanceledException) when (invocation.Context.ConnectionAborted.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not HubException)
        {
            logger.LogError(ex, "Hub method {Method} failed for {ConnectionId}", invocation.HubMethodName, invocation.Context.ConnectionId);
            throw;
        }
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        try
        {
            await next(context);
        }
        catch (RelayException ex)
        {
            logger.LogDebug("Refused a hub connection's sign-in ({ConnectionId}): {Code}", context.Context.ConnectionId, ex.Error.Code);
            throw Refusal(ex);
        }
    }

    // The refusal goes with it, which tells HubRefusalQuietLogging that it is one.
    private static HubException Refusal(RelayException ex) => new($"{ex.Error.Code}: {ex.Error.Message}", ex);
}
