using EtlAgent.Core.Model;

namespace EtlAgent.Core.Generation;

/// <summary>
/// A procedure that runs three or more procedures that write tables (a nightly job such as
/// Etl.RunNightlyLoad): it is tested through the procedures it runs. Generating for it would run
/// all of them for every candidate input (~8 s per candidate there, a ~1,500-day calendar included,
/// and ~1,400 candidates from the tables of all its loads), so the full run, `generate` without
/// --transformation and the "Generate tests" lens leave it out; named explicitly
/// (`generate --transformation`) it is generated from its base inputs only (<see cref="Inputs"/>).
/// </summary>
public static class Orchestrator
{
    public const int MinimumLoads = 3;

    /// <summary>The procedures that write tables which <paramref name="t"/> runs directly.</summary>
    public static IReadOnlyList<string> LoadsRunBy(Transformation t, Func<string, Transformation?> find) =>
        t.Calls.Select(c => find(c.ToString())).Where(x => x is { Kind: TransformationKind.Procedure, Writes.Count: > 0 })
            .Select(x => x!.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    public static bool Is(Transformation t, Func<string, Transformation?> find) =>
        t.Kind == TransformationKind.Procedure && LoadsRunBy(t, find).Count >= MinimumLoads;

    /// <summary>Why generation leaves <paramref name="t"/> out.</summary>
    public static string Reason(Transformation t, Func<string, Transformation?> find) =>
        $"orchestrator: runs {LoadsRunBy(t, find).Count} procedures that write tables, which are tested instead (generate it by name with --transformation)";

    /// <summary>
    /// The candidates an orchestrator is run on: the base inputs (empty, special rows, new, unchanged,
    /// only in the target, two entities…), the first "changed" one, and the parameter variations of
    /// the first base that has them. What it adds to its loads is control flow (order, transactions, error handling), which
    /// these reach; the column-by-column variations belong to the loads' own tests.
    /// </summary>
    public static List<Scenario> Inputs(IReadOnlyList<Scenario> candidates)
    {
        var kept = new List<Scenario>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool changed = false;
        string? varied = null;
        foreach (var c in candidates)
        {
            var d = c.Description;
            int cut = d.LastIndexOf(", ", StringComparison.Ordinal);
            if (cut > 0 && d[(cut + 2)..].StartsWith('@'))
            {
                // parameter variations: those of the first base that has them
                varied ??= d[..cut];
                if (d[..cut] == varied) kept.Add(c);
                continue;
            }
            if (!c.Structural || !seen.Add(d)) continue;   // one "staged twice", not one per staging table
            if (d.StartsWith("an entity whose", StringComparison.Ordinal))
            {
                if (changed) continue;
                changed = true;
            }
            kept.Add(c);
        }
        return kept;
    }
}
