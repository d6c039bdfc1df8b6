using EtlAgent.Core.Memory;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Agent;

/// <summary>
/// Findings someone dismissed (by fingerprint, with a reason and an optional expiry) are left out
/// of what the CLI and the editor show; the one function both use.
/// </summary>
public static class Dismissals
{
    /// <summary>The findings not dismissed at <paramref name="now"/>, and how many were left out.</summary>
    public static (List<Finding> Kept, int Dismissed) Apply(IReadOnlyDictionary<string, FindingRecord> known, IReadOnlyList<Finding> findings, DateTimeOffset now)
    {
        var kept = new List<Finding>(findings.Count);
        if (!known.Values.Any(k => k.IsDismissedAt(now))) return (findings.ToList(), 0);
        var fingerprints = FindingFingerprint.Of(findings);
        for (int i = 0; i < findings.Count; i++)
            if (!(known.TryGetValue(fingerprints[i], out var k) && k.IsDismissedAt(now))) kept.Add(findings[i]);
        return (kept, findings.Count - kept.Count);
    }

    /// <summary>The sighting to store for a dismissal of <paramref name="finding"/>, one of <paramref name="all"/> (its file's findings: occurrences are counted among them).</summary>
    public static FindingSighting Sighting(Finding finding, IReadOnlyList<Finding> all)
    {
        var index = all.ToList().IndexOf(finding);
        var fingerprint = index >= 0 ? FindingFingerprint.Of(all)[index] : FindingFingerprint.Of(finding);
        return new FindingSighting(fingerprint, finding.RuleId, finding.Location.File, finding.Message);
    }
}
