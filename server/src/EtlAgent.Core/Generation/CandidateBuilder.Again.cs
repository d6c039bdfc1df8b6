using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;

namespace EtlAgent.Core.Generation;

/// <summary>Inputs made from what a run of another input left in the tables the code writes (<see cref="Again"/>).</summary>
public sealed partial class CandidateBuilder
{
    /// <summary>Source columns changed one at a time on an input loaded again: enough for the comparisons of one change detection.</summary>
    public const int ChangedColumnsLoadedAgain = 24;

    /// <summary>
    /// <paramref name="run"/>'s input again, on what its run left (<paramref name="after"/>) in the tables the
    /// code writes: "…, loaded again". A load run twice finds its own output, so its change detection compares
    /// equal rows, which the "unchanged" entity made from the column types alone often is not (a value the load
    /// trims, converts or hashes differs from the one given). With <paramref name="changes"/>, also that input
    /// with one column the code reads of a table it only reads changed at a time ("…, loaded again, T [c]
    /// changed"), so each comparison of the change detection is the one that sees a change. Empty when the
    /// run changed no table. Computed and rowversion columns are left to the database; identity values are
    /// given (the sandboxes insert them as IDENTITY_INSERT does).
    /// </summary>
    public IReadOnlyList<Scenario> Again(Scenario run, IReadOnlyList<(QualifiedName Table, IReadOnlyList<SandboxRow> Rows)> after, bool changes)
    {
        var again = run.Clone($"{run.Description}, loaded again");
        bool changed = false;
        foreach (var (table, rows) in after)
        {
            if (_catalog.Find(table) is not { } def) return Array.Empty<Scenario>();
            var given = again.RowsOf(table);
            var carried = rows.Select(r => Carried(def, r)).ToList();
            changed |= !SameRows(given, carried);
            given.Clear();
            given.AddRange(carried);
        }
        if (!changed) return Array.Empty<Scenario>();
        again.Tables.RemoveAll(t => t.Rows.Count == 0);
        again.Tables.Sort((a, b) => Depth(a.Table).CompareTo(Depth(b.Table)));
        var all = new List<Scenario> { again };
        if (!changes) return all;

        var written = after.Select(a => a.Table).ToHashSet();
        foreach (var (table, rows) in again.Tables.ToList())
        {
            if (written.Contains(table) || rows.Count == 0 || _catalog.Find(table) is not { } t) continue;
            foreach (var c in t.Columns)
            {
                if (all.Count > ChangedColumnsLoadedAgain) return all;
                if (!_facts.MentionedColumns.Contains(c.Name) || c.IsGenerated || IsKeyColumn(t, c) || !rows[0].ContainsKey(c.Name)) continue;
                var value = rows[0][c.Name];
                var other = value is DateTime d ? d.AddDays(1) : Other(c, value);
                if (Equals(other, value)) continue;
                var v = again.Clone($"{again.Description}, {table} [{c.Name}] changed");
                v.RowsOf(table)[0][c.Name] = other;
                all.Add(v);
            }
        }
        return all;
    }

    /// <summary>A row read back, as given rows hold it: without the columns the database computes.</summary>
    private static Dictionary<string, object?> Carried(TableDef def, SandboxRow row)
    {
        var given = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in def.Columns)
            if (c.Computed is null && c.Type.Name is not ("rowversion" or "timestamp") && row.TryGetValue(c.Name, out var v))
                given[c.Name] = v;
        return given;
    }

    /// <summary>The rows read back hold what was given, on the columns given (the others are the database's defaults).</summary>
    private static bool SameRows(List<Dictionary<string, object?>> given, List<Dictionary<string, object?>> carried)
    {
        if (given.Count != carried.Count) return false;
        var columns = given.SelectMany(r => r.Keys).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        string Key(Dictionary<string, object?> r) => string.Join("\u0001", columns.Select(c => Scenario.Fmt(r.GetValueOrDefault(c)) is var v ? v.TrimEnd().ToUpperInvariant() : ""));
        return given.Select(Key).OrderBy(k => k, StringComparer.Ordinal).SequenceEqual(carried.Select(Key).OrderBy(k => k, StringComparer.Ordinal));
    }
}
