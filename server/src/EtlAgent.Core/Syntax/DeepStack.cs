using System.Runtime.ExceptionServices;

namespace EtlAgent.Core.Syntax;

/// <summary>
/// Runs parsing and tree walks on threads with a large stack. ScriptDom's parser and visitors and
/// our own walks recurse once per level of the syntax tree; a thread-pool thread's default stack
/// overflows within a few thousand levels, and a stack overflow ends the process. Together with
/// <see cref="NestingGuard"/>, which refuses documents deeper than its limit before they are
/// parsed, this keeps every accepted document far inside the stack. Both doors analyse through here.
/// </summary>
public static class DeepStack
{
    /// <summary>Stack size of the analysis threads. Only the pages a walk touches are committed.</summary>
    public const int StackSize = 256 * 1024 * 1024;

    [ThreadStatic] private static bool _onDeepStack;

    /// <summary>Starts a background thread with the large stack (work on it runs inline in <see cref="Run{T}"/> and <see cref="For"/>).</summary>
    public static Thread Start(Action work, string name)
    {
        var thread = new Thread(() => { _onDeepStack = true; work(); }, StackSize) { IsBackground = true, Name = name };
        thread.Start();
        return thread;
    }

    /// <summary>Runs <paramref name="work"/> on a large-stack thread and returns its result (or rethrows its exception).</summary>
    public static T Run<T>(Func<T> work)
    {
        if (_onDeepStack) return work();
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = Start(() =>
        {
            try { result = work(); }
            catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
        }, "etl-agent analysis");
        thread.Join();
        error?.Throw();
        return result;
    }

    public static void Run(Action work) => Run(() => { work(); return 0; });

    /// <summary>
    /// Like Parallel.For: <paramref name="body"/> for every index in [0, count), on up to
    /// <paramref name="maxDegreeOfParallelism"/> large-stack threads (-1: one per processor). The first
    /// exception stops the remaining indices and is rethrown; so is cancellation.
    /// </summary>
    public static void For(int count, int maxDegreeOfParallelism, Action<int> body, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (count <= 0) return;
        int workers = Math.Min(count, maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : Environment.ProcessorCount);
        if (workers == 1 && _onDeepStack)
        {
            // Already on a large stack (the session's worker editing one document): no thread to start.
            for (int i = 0; i < count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                body(i);
            }
            return;
        }
        int next = -1;
        ExceptionDispatchInfo? error = null;
        void Work()
        {
            try
            {
                int i;
                while (Volatile.Read(ref error) is null && (i = Interlocked.Increment(ref next)) < count)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    body(i);
                }
            }
            catch (Exception e) { Interlocked.CompareExchange(ref error, ExceptionDispatchInfo.Capture(e), null); }
        }
        var threads = new Thread[workers];
        for (int w = 0; w < workers; w++) threads[w] = Start(Work, "etl-agent analysis");
        foreach (var t in threads) t.Join();
        error?.Throw();
    }
}
