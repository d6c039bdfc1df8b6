using EtlAgent.Core.Sandbox.Runner;

namespace EtlAgent.Core.Healing;

/// <summary>
/// What the heal search answers: the failing cases of one transformation's test files, every case
/// of those files as run on the current text (the baseline a heal must keep green), and the suspect
/// statements, best first.
/// </summary>
public sealed record HealFailure(string Transformation, IReadOnlyList<TestCaseResult> Baseline, IReadOnlyList<TestCaseResult> Failing,
    IReadOnlyList<SuspectStatement> Suspects)
{
    /// <summary>The bug class root-cause analysis named for the failure (null: not analysed); a revert to the last green version answers that class.</summary>
    public string? RootCauseClass { get; init; }
}
