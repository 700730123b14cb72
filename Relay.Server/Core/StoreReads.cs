using SignalRelay.Contracts;

namespace SignalRelay.Server.Core;

/// <summary>
/// A read of the store that failed, as every door tells it: <c>STORE_UNAVAILABLE</c>, which the client may retry, while
/// the store's own error, which means nothing to the client, goes to the log.
/// </summary>
public static class StoreReads
{
    public static async Task<T> GuardAsync<T>(Task<T> read, string what, StoreFailureLog failures)
    {
        try
        {
            return await read;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or RelayException))
        {
            failures.Failed($"reading {what}", ex);
            throw new RelayException(ErrorCodes.StoreUnavailable, $"The relay could not read {what}; try again shortly.");
        }
    }
}
