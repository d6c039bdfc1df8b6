
namespace EtlAgent.Core.MutationAnalysis;

/// <summary>A mutation run of one transformation as the editor asks for it: the report, or why none could be made.</summary>
public sealed record WorkspaceMutationRun(string Transformation, MutationReport? Report, IReadOnlyList<string> Problems, string Sandbox)
{
    public IEnumerable<MutantResult> Survivors => Report?.Results.Where(r => r.Status == MutantStatus.Survived) ?? Enumerable.Empty<MutantResult>();
}
