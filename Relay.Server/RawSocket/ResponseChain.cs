using SignalRelay.Contracts;
using SignalRelay.Server.Core;
using SignalRelay.Server.RawSocket.Dialects;

namespace SignalRelay.Server.RawSocket;

/// <summary>
/// Replies in request order without making the receive loop wait: each reply is queued after the one
/// before it, however long its work (a commit, a history query) takes. Only when <paramref name="maxPending"/>
/// replies are still to come does the loop wait for them, so a client that asks faster than the relay answers
/// is slowed by its own socket instead of piling up work here.
/// </summary>
public sealed class ResponseChain(RelaySession session, IRawDialect dialect, int maxPending)
{
    private static readonly RelayError Internal = new()
    {
        Code = ErrorCodes.InternalError,
        Message = "The relay failed to handle this frame; nothing was sent.",
    };

    private Task _tail = Task.CompletedTask;
    private int _pending;

    /// <summary>Completes once every reply chained so far is queued (on the thread pool: see <see cref="OffTheCommitLoop"/>).</summary>
    public Task Completion => OffTheCommitLoop.SettledAsync(_tail);

    /// <summary>
    /// Completes at once while fewer than the most replies are pending, else once all of them are queued; the receive loop
    /// that waits on it then reads on from the thread pool, not from the commit loop that completed the last ACK.
    /// </summary>
    public Task RoomAsync() => Volatile.Read(ref _pending) < maxPending ? Task.CompletedTask : OffTheCommitLoop.SettledAsync(_tail);

    public void Send(byte[] frame) => Then(Task.FromResult<byte[]?>(frame));

    public void Error(RelayError error) => Send(dialect.EncodeError(error));

    /// <summary>
    /// Queues <paramref name="reply"/>'s frame (if any) once <paramref name="work"/> is done; a refusal becomes an
    /// error frame naming <paramref name="messageId"/>.
    /// </summary>
    public void After<T>(Task<T> work, Func<T, byte[]?> reply, string? messageId = null) => Then(ReplyAsync(work, reply), messageId);

    /// <summary>
    /// Like <see cref="After{T}"/>, but the work starts only once every earlier reply is queued, so a read sees the
    /// writes before it; and not at all once the session has ended, when nobody would read its reply.
    /// </summary>
    public void AfterPrevious<T>(Func<Task<T>> start, Func<T, byte[]?> reply)
    {
        Interlocked.Increment(ref _pending);
        _tail = DeferredAsync(_tail, start, reply);
    }

    private static async Task<byte[]?> ReplyAsync<T>(Task<T> work, Func<T, byte[]?> reply) => reply(await work);

    // Called only from the connection's receive loop, so _tail has a single writer.
    private void Then(Task<byte[]?> next, string? messageId = null)
    {
        Interlocked.Increment(ref _pending);
        _tail = ChainAsync(_tail, next, messageId);
    }

    private async Task ChainAsync(Task previous, Task<byte[]?> next, string? messageId)
    {
        await previous;
        await QueueAsync(next, messageId);
    }

    private async Task DeferredAsync<T>(Task previous, Func<Task<T>> start, Func<T, byte[]?> reply)
    {
        // The previous reply may be an ACK, completed on the commit loop's thread: the read must not run there.
        await OffTheCommitLoop.SettledAsync(previous);
        if (session.IsClosed)
        {
            Interlocked.Decrement(ref _pending);
            return;
        }
        Task<T> work;
        try
        {
            work = start();
        }
        catch (Exception ex)
        {
            work = Task.FromException<T>(ex);
        }
        await QueueAsync(ReplyAsync(work, reply), messageId: null);
    }

    private async Task QueueAsync(Task<byte[]?> next, string? messageId)
    {
        byte[]? frame;
        try
        {
            frame = await next;
        }
        catch (RelayException ex)
        {
            frame = dialect.EncodeError(ex.Error with { MessageId = messageId });
        }
        catch (OperationCanceledException) when (session.IsClosed)
        {
            frame = null;
        }
        catch (Exception)
        {
            frame = dialect.EncodeError(Internal with { MessageId = messageId });
        }
        Interlocked.Decrement(ref _pending);
        if (frame is not null)
        {
            session.Enqueue(new RawFrameOut(frame));
        }
    }
}
