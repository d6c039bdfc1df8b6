using EtlAgent.Core.Lineage;

namespace EtlAgent.Core.Healing;

/// <summary>
/// An extra source of repair candidates beside the templates and the inverse mutations (an LLM).
/// Its candidates go through the same verifier; it may return none, and it must never be required.
/// </summary>
public interface IRepairSource
{
    Task<IReadOnlyList<RepairCandidate>> CandidatesAsync(TransformationAnalysis transformation, HealFailure failure, CancellationToken cancellationToken);
}
