using EtlAgent.Core.Model;

namespace EtlAgent.Core.Healing;

/// <summary>
/// A verified heal offered for a failure: <see cref="Id"/> is stable across runs for the same
/// edits of the same text (<see cref="HealId"/>), so `heal --apply ID` finds it again.
/// <see cref="Case"/> is null for a heal of a whole test file (one that no longer loads).
/// </summary>
public sealed record HealSuggestion(
    string Id,
    string Test,
    string? Case,
    RepairCandidate Candidate,
    HealVerification Verified)
{
    public string Kind => Candidate.Kind;
    public string BugClass => Candidate.BugClass;
    public string Title => Candidate.Title;
    public IReadOnlyList<TextEdit> Edits => Candidate.Edits;

    /// <summary>The file the heal edits first (the procedure for a code heal, the test file for a test heal).</summary>
    public string File => Candidate.Edits.Count > 0 ? Candidate.Edits[0].File : Test;

    /// <summary>The editor's title: "Heal: … (verified: 14/14 cases, 0 new findings)".</summary>
    public string ActionTitle => $"Heal: {Title} ({Verified})";
}
