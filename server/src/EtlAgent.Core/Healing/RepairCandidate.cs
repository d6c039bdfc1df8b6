using EtlAgent.Core.Model;

namespace EtlAgent.Core.Healing;

/// <summary>
/// A repair before verification: span edits (offsets into the files' current text), what kind of
/// heal it is, the bug class it answers, a title a data engineer reads, and where it came from
/// ("template", "inverse-mutation", "test", "llm").
/// </summary>
public sealed record RepairCandidate(string Kind, string BugClass, string Title, IReadOnlyList<TextEdit> Edits, string Source)
{
    /// <summary>For a re-recorded expectation: the expected rows removed ("- …") and added ("+ …").</summary>
    public IReadOnlyList<string> Diff { get; init; } = Array.Empty<string>();

    /// <summary>Characters changed, for ranking: the smallest repair that verifies is the likeliest intended one.</summary>
    public int Size => Edits.Sum(e => Math.Max(e.Range.Length, e.NewText.Length));
}
