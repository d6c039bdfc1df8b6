namespace EtlAgent.Core.Healing;

/// <summary>
/// How much the heal search may spend on one failure: wall time, candidates verified, and verified
/// code heals wanted before it stops looking. The defaults keep a failure within about 20 s on two cores.
/// </summary>
public sealed record HealBudget(TimeSpan TimePerFailure, int CandidatesPerFailure, int VerifiedPerFailure)
{
    public static HealBudget Default { get; } = new(TimeSpan.FromSeconds(20), 60, 3);
}
