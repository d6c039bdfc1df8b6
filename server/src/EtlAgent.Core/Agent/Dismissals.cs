using System.Globalization;
using EtlAgent.Core.Memory;
using EtlAgent.Core.Model;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Agent;

/// <summary>
/// Findings someone dismissed (by fingerprint, with a reason and an optional expiry) are left out
/// of what the CLI and the editor show; the one function both use, and the one way both dismiss
/// (stored in the memory, recorded in the audit trail).
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

    /// <summary>Stores the dismissal in the engine's memory and records it in the audit trail (actor: the engine's door).</summary>
    /// <exception cref="MemoryStoreException">The memory cannot be written (nothing is audited then).</exception>
    public static void Dismiss(Engine engine, FindingSighting finding, string reason, DateTimeOffset? expires)
    {
        engine.Memory.Dismiss(finding, reason, expires, engine.Clock.UtcNow);
        var details = new Dictionary<string, string> { ["fingerprint"] = finding.Fingerprint, ["rule"] = finding.RuleId };
        if (expires is { } e) details["expires"] = e.ToString("o", CultureInfo.InvariantCulture);
        engine.Governance.Record(AuditActions.FindingDismissed, finding.File, reason, details);
    }

    /// <summary>Lifts a dismissal and records that in the audit trail; false (nothing recorded) when the finding was not dismissed.</summary>
    public static bool Undo(Engine engine, FindingRecord finding, string reason)
    {
        if (!engine.Memory.Undismiss(finding.Fingerprint, engine.Clock.UtcNow)) return false;
        engine.Governance.Record(AuditActions.DismissalUndone, finding.File, reason,
            new Dictionary<string, string> { ["fingerprint"] = finding.Fingerprint, ["rule"] = finding.RuleId });
        return true;
    }

    /// <summary>
    /// The finding a person names: a fingerprint (of a current finding or one the memory knows) or
    /// RULE:FILE:LINE as the CLI's text output prints it (line 1-based, file workspace-relative).
    /// </summary>
    /// <exception cref="ConfigurationException">Nothing matches, or RULE:FILE:LINE matches several findings.</exception>
    public static FindingSighting Resolve(string target, IReadOnlyList<Finding> current, IReadOnlyDictionary<string, FindingRecord> known)
    {
        var fingerprints = FindingFingerprint.Of(current);
        if (Parse(target) is { } named)
        {
            var matches = Enumerable.Range(0, current.Count).Where(i => string.Equals(current[i].RuleId, named.Rule, StringComparison.OrdinalIgnoreCase)
                && string.Equals(current[i].Location.File, named.File, StringComparison.Ordinal) && current[i].Location.Range.Start.Line + 1 == named.Line).ToList();
            if (matches.Count == 1)
                return new FindingSighting(fingerprints[matches[0]], current[matches[0]].RuleId, current[matches[0]].Location.File, current[matches[0]].Message);
            if (matches.Count > 1)
                throw new ConfigurationException($"{target}: {matches.Count} findings of {named.Rule} start on that line; name one by its fingerprint: " +
                    string.Join(", ", matches.Select(i => fingerprints[i])));
            throw new ConfigurationException($"{target}: no {named.Rule} finding starts at {named.File}:{named.Line} (run `etl-agent check` to see the findings and their lines)");
        }
        int at = fingerprints.ToList().IndexOf(target);
        if (at >= 0) return new FindingSighting(target, current[at].RuleId, current[at].Location.File, current[at].Message);
        if (known.TryGetValue(target, out var k)) return new FindingSighting(k.Fingerprint, k.RuleId, k.File, k.Message);
        throw new ConfigurationException($"{target}: no finding has this fingerprint (the SARIF report's partialFingerprints and `etl-agent dismiss --list` show them), " +
            "and it is not RULE:FILE:LINE (e.g. ETL0010:procs/Load.sql:12)");
    }

    private static (string Rule, string File, int Line)? Parse(string target)
    {
        int first = target.IndexOf(':'), last = target.LastIndexOf(':');
        if (first <= 0 || last <= first + 1) return null;
        var rule = target[..first];
        if (!rule.StartsWith("ETL", StringComparison.OrdinalIgnoreCase) || !int.TryParse(target[(last + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var line) || line < 1)
            return null;
        return (rule.ToUpperInvariant(), target[(first + 1)..last].Replace('\\', '/'), line);
    }
}
