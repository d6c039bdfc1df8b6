namespace EtlAgent.Core.Memory;

/// <summary>
/// One completed run as the memory keeps it: when, on which commit, how it ended and its counts.
/// A run is in the memory only once it completed: its cases, findings and timings are written
/// with it, all or nothing.
/// </summary>
/// <param name="Outcome">"passed" or "failed".</param>
public sealed record RunRecord(string Id, DateTimeOffset Started, DateTimeOffset Finished, string? Commit, string Outcome,
    int Passed, int Failed, int Findings)
{
    /// <summary>Findings left out of the run's results because someone dismissed them.</summary>
    public int Dismissed { get; init; }

    /// <summary>Who ran it: "cli", "editor" or "ci".</summary>
    public string Actor { get; init; } = "cli";

    /// <summary>Mutants killed and tried by the run's generation (0 and 0 when none was tried).</summary>
    public int MutantsKilled { get; init; }
    public int MutantsTotal { get; init; }

    /// <summary>Killed / tried; null when no mutant was tried.</summary>
    public double? MutationScore => MutantsTotal == 0 ? null : (double)MutantsKilled / MutantsTotal;
}

/// <summary>
/// One case's outcome in a run. <paramref name="CodeKey"/> names the code and data it ran on (a
/// hash of the transformation's text and of the case's input), so two runs of the same key that
/// end differently are nondeterministic; <paramref name="InputKey"/> names the input alone, for timings.
/// </summary>
/// <param name="Outcome">"passed", "failed" or "error".</param>
public sealed record CaseRecord(string Name, string Transformation, string Outcome, double Milliseconds, string CodeKey, string InputKey);

/// <summary>How long the sandbox took for one procedure on one input.</summary>
public sealed record TimingRecord(string Procedure, string InputKey, string RunId, double Milliseconds);

/// <summary>Everything a completed run writes into the memory, in one go.</summary>
public sealed record RunWrite(RunRecord Run, IReadOnlyList<CaseRecord> Cases, IReadOnlyList<FindingSighting> Findings)
{
    /// <summary>Mutants tried per transformation by this run (the survivors are what the next run aims at).</summary>
    public IReadOnlyList<MutantRecord> Mutants { get; init; } = Array.Empty<MutantRecord>();

    /// <summary>Invariants the run's test files state or its generation found.</summary>
    public IReadOnlyList<InvariantRecord> Invariants { get; init; } = Array.Empty<InvariantRecord>();

    /// <summary>
    /// The transformations whose cases all passed in this run, with their file's text: each replaces
    /// the one kept before it, unless the text is the same (then the older record stays as it was).
    /// </summary>
    public IReadOnlyList<GreenVersion> GreenVersions { get; init; } = Array.Empty<GreenVersion>();
}
