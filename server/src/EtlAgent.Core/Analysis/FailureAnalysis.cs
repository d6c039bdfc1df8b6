namespace EtlAgent.Core.Analysis;

/// <summary>
/// The root cause of one failing case: the top suspect, the ranked alternatives after it, the
/// severity, the smallest set of the case's given rows that still fails the same way, a plain
/// explanation, and what the evidence was ("differential" against a base version, "mutation"
/// localisation, "lineage" and coverage only, or the "error" the call raised).
/// </summary>
public sealed record FailureAnalysis(
    FailureId Failure,
    SuspectStatement? RootCause,
    IReadOnlyList<SuspectStatement> Candidates,
    FailureSeverity Severity,
    IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyDictionary<string, object?>>> MinimalInput,
    string Explanation,
    string Evidence,
    TimeSpan Elapsed)
{
    /// <summary>The test file line the failure is reported at (1-based).</summary>
    public int TestLine { get; init; }

    /// <summary>The last green version the failure was compared with (memory, git, or none and why).</summary>
    public AnalysisBase Base { get; init; } = AnalysisBase.None();
}

/// <summary>Every failure's analysis, in the order of the run's cases.</summary>
public sealed record RootCauseReport(IReadOnlyList<FailureAnalysis> Failures, TimeSpan Elapsed)
{
    /// <summary>The kind of base the analysis looked for (each failure's <see cref="FailureAnalysis.Base"/> says what it found).</summary>
    public AnalysisBase Base { get; init; } = AnalysisBase.None();

    /// <summary>How many analyses ran: one per failure, or one per distinct failure (<see cref="DistinctFailures"/>).</summary>
    public int Analysed { get; init; }

    public static readonly RootCauseReport Empty = new(Array.Empty<FailureAnalysis>(), TimeSpan.Zero);
}
