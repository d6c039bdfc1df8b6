using System.Globalization;

namespace EtlAgent.Core.Analysis;

/// <summary>
/// Which last green version a failure was compared with: the memory's (the file as it was when all
/// the transformation's cases last passed: <see cref="RunId"/>, <see cref="Time"/>), a git
/// revision given with --base, or none (<see cref="Reason"/> says why).
/// </summary>
/// <param name="Kind">"memory", "git" or "none".</param>
public sealed record AnalysisBase(string Kind)
{
    public const string MemoryKind = "memory";
    public const string GitKind = "git";
    public const string NoneKind = "none";

    /// <summary>The git revision (kind git).</summary>
    public string? Revision { get; init; }

    /// <summary>The run that saw the version green, and when (kind memory).</summary>
    public string? RunId { get; init; }
    public DateTimeOffset? Time { get; init; }

    /// <summary>The file the base text is of (kinds memory and git).</summary>
    public string? File { get; init; }

    /// <summary>Why there is no base (kind none): none remembered, the file unchanged since, --no-base, …</summary>
    public string? Reason { get; init; }

    public bool Used => Kind != NoneKind;

    public static AnalysisBase None(string? reason = null) => new(NoneKind) { Reason = reason };

    /// <summary>"last green: run 1a2b, 2026-12-06 17:30 UTC", "git HEAD~1" or "none" (with the reason in parentheses).</summary>
    public string Describe() => Kind switch
    {
        MemoryKind => $"last green: run {RunId}, {Time?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC",
        GitKind => $"git {Revision}",
        _ => Reason is null ? "none" : $"none ({Reason})",
    };
}
