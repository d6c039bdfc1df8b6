namespace EtlAgent.Core.Sandbox.Runner;

/// <summary>
/// Runs independent sandbox work on a few threads (one sandbox per item) and returns the results
/// in input order, so what is built from them does not depend on which thread finished first.
/// </summary>
public static class BoundedParallel
{
    /// <summary>One worker per core by default: a sandbox run is single-threaded and CPU-bound.</summary>
    public static int DefaultDegree => Math.Max(1, Environment.ProcessorCount);

    public static async Task<TResult[]> MapAsync<T, TResult>(IReadOnlyList<T> items, int degree, Func<T, int, CancellationToken, Task<TResult>> run, CancellationToken cancellationToken = default)
    {
        var results = new TResult[items.Count];
        if (degree <= 1 || items.Count <= 1)
        {
            for (int i = 0; i < items.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                results[i] = await run(items[i], i, cancellationToken);
            }
            return results;
        }
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count),
            new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await run(items[i], i, ct));
        return results;
    }
}
