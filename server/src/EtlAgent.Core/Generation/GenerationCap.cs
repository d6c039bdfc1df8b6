using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Generation;

/// <summary>
/// One transformation's cap on generation's wall time (<see cref="GenerationOptions.Cap"/>). The
/// searches (candidates, then mutants) ask <see cref="Spent"/> before each sandbox run; it counts the
/// time still needed to check the cases kept (their runs on the original, shared by the cores) and
/// the run about to start (as long as the runs so far took, plus its own check should it be kept),
/// so that the whole generation, the self-check included, ends within the cap. The self-check runs
/// in the searches' sandbox (<see cref="TestGenerator"/>), so it has no set-up of its own to count.
/// </summary>
public sealed class GenerationCap(TimeSpan cap, IStopwatch watch, int parallelism)
{
    private long _checkTicks;
    private long _pendingTicks;
    private long _runTicks;
    private long _runs;
    private long _setUpTicks;
    private long _setUps;
    private volatile bool _reached;

    /// <summary>A search stopped at the cap.</summary>
    public bool Reached => _reached;

    /// <summary>Time on the stopwatch the cap is measured with (what a run took is read from it too).</summary>
    public TimeSpan Elapsed => watch.Elapsed;

    /// <summary>A case is kept whose run on the original took <paramref name="run"/>: checking it will take as long again.</summary>
    public void Keep(TimeSpan run) => Interlocked.Add(ref _checkTicks, run.Ticks);

    /// <summary>
    /// A run of the batch under way may turn out a case to keep (runs are judged when their batch is
    /// done): its check counts until <see cref="Settle"/>.
    /// </summary>
    public void MayKeep(TimeSpan run) => Interlocked.Add(ref _pendingTicks, run.Ticks);

    /// <summary>The batch is judged: the cases it keeps are counted by <see cref="Keep"/> instead.</summary>
    public void Settle() => Interlocked.Exchange(ref _pendingTicks, 0);

    /// <summary>A sandbox run (on the original or a mutant) took <paramref name="run"/>: the next one is expected to take as long (the mean of those told).</summary>
    public void Ran(TimeSpan run)
    {
        Interlocked.Add(ref _runTicks, Math.Max(0, run.Ticks));
        Interlocked.Increment(ref _runs);
    }

    /// <summary>A mutant's sandbox took <paramref name="setUp"/> to build (its workspace re-read, its factory): the next one is expected to take as long.</summary>
    public void Built(TimeSpan setUp)
    {
        Interlocked.Add(ref _setUpTicks, Math.Max(0, setUp.Ticks));
        Interlocked.Increment(ref _setUps);
    }

    /// <summary>Whether a mutant's sandbox, built as long as the last ones took, and one run on it no longer fit.</summary>
    public bool SpentBeforeBuilding()
    {
        long builds = Interlocked.Read(ref _setUps);
        return Spent(builds == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Interlocked.Read(ref _setUpTicks) / builds));
    }

    /// <summary>Whether no more sandbox runs fit (and from then on always true); never with a zero cap.</summary>
    public bool Spent() => Spent(TimeSpan.Zero);

    private bool Spent(TimeSpan before)
    {
        if (cap <= TimeSpan.Zero || _reached) return _reached;
        int cores = Math.Max(1, parallelism);
        long runs = Interlocked.Read(ref _runs);
        long next = runs == 0 ? 0 : Interlocked.Read(ref _runTicks) / runs;
        // the cases kept (and those the batch under way may keep) are checked on all cores; the next run (started only if it fits) and its check if it is kept
        var left = before + TimeSpan.FromTicks((Interlocked.Read(ref _checkTicks) + Interlocked.Read(ref _pendingTicks)) / cores + next + next / cores);
        if (watch.Elapsed + left >= cap) _reached = true;
        return _reached;
    }

    /// <summary>"30 s".</summary>
    public string Describe() => $"{cap.TotalSeconds:0.#} s";
}
