using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// Undefined objects that look made outside the repository rather than misspelt: a schema in which
/// the code uses several tables nothing in the workspace defines (staging tables a copy pipeline
/// creates at run time, another repository's tables) is a pattern, not a typo. Such a reference
/// with no near-miss in the catalog is reported as information with the `externalObjects` entry
/// that declares the schema; a near-miss, or a lone undefined name, stays an error.
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

    public static string Message(QualifiedName name, int undefinedInSchema) =>
        $"{name} is not defined in the workspace, nor are {undefinedInSchema - 1} other tables of schema {name.Schema} the code uses: " +
        $"they look made outside this repository (a pipeline that creates them at run time, another project). If so, declare them in etl-agent.json " +
        $"(\"externalObjects\": [\"{name.Schema}.*\"], with columns for exact tests); if not, add the definitions. SQL Server fails the procedure when it runs if the table is missing.";

    /// <summary>
    /// The finding as information when its object's schema is one of <paramref name="schemas"/>; the
    /// same finding otherwise. For analyses that learn the workspace's undefined tables only after
    /// the rules ran (streaming).
    /// </summary>
    public static Finding Reclassify(Finding finding, IReadOnlyDictionary<string, int> schemas)
    {
        if (finding.Severity <= Severity.Information || finding.Evidence is null ||
            !finding.Evidence.TryGetValue(EvidenceKey, out var value) || value is not QualifiedName name ||
            !schemas.TryGetValue(name.Schema, out var count))
            return finding;
        return finding with { Severity = Severity.Information, Message = Message(name, count) };
    }
}
