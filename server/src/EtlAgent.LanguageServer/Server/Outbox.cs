using System.Threading.Channels;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// Server-to-client messages (diagnostics, progress, logs) sent one at a time in the order they
/// were queued, so that e.g. two publications for one document can never arrive swapped.
/// Producers (the session's worker, handlers) never wait on the client.
/// </summary>
public sealed class Outbox
{
    private readonly Channel<Func<Task>> _queue = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _pump;

    public Outbox()
    {
        _pump = Task.Run(PumpAsync);
    }

    public void Post(Func<Task> send) => _queue.Writer.TryWrite(send);

    /// <summary>Completes once everything queued so far has been sent.</summary>
    public Task FlushAsync()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() => { tcs.TrySetResult(); return Task.CompletedTask; });
        return tcs.Task;
    }

    public void Complete() => _queue.Writer.TryComplete();

    private async Task PumpAsync()
    {
        await foreach (var send in _queue.Reader.ReadAllAsync())
        {
            try { await send().ConfigureAwait(false); }
            catch (Exception e)
            {
                // The connection is gone or the client refused: log locally, keep going.
                Console.Error.WriteLine($"[outbox] {e.GetType().Name}: {e.Message}");
            }
        }
    }
}
