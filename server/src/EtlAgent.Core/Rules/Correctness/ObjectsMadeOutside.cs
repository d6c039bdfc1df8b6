using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// Undefined objects that look made outside the repository rather than misspelt: a schema in which
/// the code uses several tables nothing in the workspace defines (staging tables a copy pipeline
/// creates at run time, another repository's tables) is a pattern, not a typo. Such a reference
/// with no near-miss in the catalog is not reported by ETL0015: the stand-in finding (ETL0150)
/// names each such table once, with the `externalObjects` entry that declares it. A near-miss, or
/// a lone undefined name, stays an error.
/// </summary>
public static class ObjectsMadeOutside
{
    /// <summary>How many distinct undefined tables a schema needs before its undefined names read as made elsewhere.</summary>
    public const int MinimumPerSchema = 3;

    /// <summary>The evidence key naming the undefined object of an ETL0015 finding (set only when no near-miss exists).</summary>
    public const string EvidenceKey = "undefinedObject";

    /// <summary>Schema → number of distinct tables of the workspace's own database nothing defines, for schemas with at least <see cref="MinimumPerSchema"/>.</summary>
    public static IReadOnlyDictionary<string, int> Schemas(IReadOnlyList<TableDef> standIns)
    {
        var counts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var t in standIns)
            if (t.Name.Database is null) counts[t.Name.Schema] = counts.GetValueOrDefault(t.Name.Schema) + 1;
        foreach (var schema in counts.Where(kv => kv.Value < MinimumPerSchema).Select(kv => kv.Key).ToList()) counts.Remove(schema);
        return counts;
    }

    /// <summary>
    /// Whether an ETL0015 finding names an undefined object of one of <paramref name="schemas"/>: for
    /// analyses that learn the workspace's undefined tables only after the rules ran (streaming), which
    /// then leave it out as a retained analysis does.
    /// </summary>
    public static bool Names(Finding finding, IReadOnlyDictionary<string, int> schemas) =>
        finding.RuleId == "ETL0015" && finding.Evidence is { } e && e.TryGetValue(EvidenceKey, out var value) &&
        value is QualifiedName name && schemas.ContainsKey(name.Schema);
}
