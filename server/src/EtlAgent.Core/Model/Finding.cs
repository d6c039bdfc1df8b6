namespace EtlAgent.Core.Model;

/// <summary>A replacement of <see cref="Range"/> in <see cref="File"/> by <see cref="NewText"/>.</summary>
public sealed record TextEdit(string File, TextRange Range, string NewText);

/// <summary>A proposed change: edits applied together, and whether (and how) it was verified.</summary>
public sealed record Fix(string Title, IReadOnlyList<TextEdit> Edits, bool Verified = false, string? VerifiedBy = null);

/// <summary>A location that explains a finding, e.g. the target column's definition.</summary>
public sealed record RelatedLocation(Location Location, string Message);

/// <summary>
/// What a rule (static) or a test run (dynamic) found. The message says what is wrong and what
/// to do; evidence carries input/output rows for dynamic findings. Every finding's
/// <see cref="RuleId"/> is documented in docs/rules, and <see cref="Anchor"/> gives it an identity
/// that does not depend on where it is in the file or how the message is worded
/// (<see cref="FindingFingerprint"/>).
/// </summary>
public sealed record Finding(
    string RuleId,
    Severity Severity,
    string Message,
    Location Location,
    IReadOnlyList<RelatedLocation> Related,
    IReadOnlyList<Fix> Fixes,
    IReadOnlyDictionary<string, object?>? Evidence = null)
{
    /// <summary>
    /// What the finding is about, independent of position and wording: the flagged code with its
    /// whitespace collapsed for a static rule; the case, the file problem, the schema change or the
    /// mutant for a result of a run. Null: the message stands in.
    /// </summary>
    public string? Anchor { get; init; }

    public static readonly IReadOnlyList<RelatedLocation> NoRelated = Array.Empty<RelatedLocation>();
    public static readonly IReadOnlyList<Fix> NoFixes = Array.Empty<Fix>();
}
