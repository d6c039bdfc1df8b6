using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Generation;

/// <summary>
/// One transformation's cap on generation's wall time (<see cref="GenerationOptions.Cap"/>). The
/// searches (candidates, then mutants) ask <see cref="Spent"/> before each sandbox run; it counts the
/// time still needed to check the cases kept (their runs on the original, shared by the cores), so
/// that the whole generation, the self-check included, ends near the cap.
/// </summary>
public sealed class GenerationCap(TimeSpan cap, IStopwatch watch, int parallelism)
{
    private long _checkTicks;
    private volatile bool _reached;

    /// <summary>A search stopped at the cap.</summary>
    public bool Reached => _reached;

    /// <summary>A case is kept whose run on the original took <paramref name="run"/>: checking it will take as long again.</summary>
    public void Keep(TimeSpan run) => Interlocked.Add(ref _checkTicks, run.Ticks);

    /// <summary>Whether no more sandbox runs fit (and from then on always true); never with a zero cap.</summary>
    public bool Spent()
    {
        if (cap <= TimeSpan.Zero || _reached) return _reached;
        var check = TimeSpan.FromTicks(Interlocked.Read(ref _checkTicks) / Math.Max(1, parallelism));
        if (watch.Elapsed + check >= cap) _reached = true;
        return _reached;
    }

    /// <summary>"30 s".</summary>
    public string Describe() => $"{cap.TotalSeconds:0.#} s";
}
