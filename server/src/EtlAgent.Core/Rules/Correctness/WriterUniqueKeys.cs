using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// Whether a table is unique on some columns by construction of all its writers in the workspace
/// (<see cref="WriterKeys"/>): the table is declared here (no stand-in, no external object), at least one
/// transformation adds rows to it, and every transformation that writes it keeps a subset of the columns unique,
/// updates none of them, and runs no dynamic SQL that names the table. Known only once the whole workspace is
/// scanned; rows loaded from outside it (a tool, an edit by hand) are not seen.
/// </summary>
public sealed class WriterUniqueKeys(IReadOnlyList<TransformationAnalysis> transformations, SchemaCatalog catalog)
{
    public bool IsUnique(QualifiedName table, IReadOnlySet<string> columns)
    {
        if (columns.Count == 0) return false;
        var def = catalog.Declared.Find(table);
        if (def is not { Kind: TableKind.Table, StandIn: null } || catalog.External.Matches(table)) return false;
        bool addsRows = false;
        // each writer's smallest kept key among the looked-up columns; together they make the table unique on
        // their union (and so on every set holding it) while no writer updates one of its columns
        var key = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var updated = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var t in transformations)
        {
            bool writes = t.Transformation.Writes.Contains(table);
            if (ReadOnlyProcedures.RunsDynamicSql(t) && FilledColumns.Mentions(t, table)) return false;
            if (!writes) continue;
            var kept = t.KeptKeys.FirstOrDefault(k => k.Table == table);
            if (kept is null || kept.Unreadable) return false;
            updated.UnionWith(kept.Updated);
            if (!kept.AddsRows) continue;
            addsRows = true;
            var smallest = kept.Keys.Where(k => k.Count > 0 && k.IsSubsetOf(columns)).MinBy(k => k.Count);
            if (smallest is null) return false;
            key.UnionWith(smallest);
        }
        if (updated.Overlaps(key)) return false;
        return addsRows;
    }
}
