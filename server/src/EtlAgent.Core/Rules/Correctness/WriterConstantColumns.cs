using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// Whether every row of a table holds one value in a column by construction of all its writers in the workspace
/// (<see cref="WriterConstants"/>): the table is declared here (no stand-in, no external object), some
/// transformation writes it, every one that does puts the same constant in the column (a seed MERGE whose rows all
/// hold it, a load whose WHERE pins the column it copies there), and none runs dynamic SQL that names the table. tSQLt
/// tests are not writers: the framework rolls back what they write.
/// Known only once the whole workspace is scanned; rows loaded from outside it are not seen.
/// </summary>
public sealed class WriterConstantColumns(IReadOnlyList<TransformationAnalysis> transformations, SchemaCatalog catalog)
{
    public bool IsConstant(QualifiedName table, string column)
    {
        var def = catalog.Declared.Find(table);
        if (def is not { Kind: TableKind.Table, StandIn: null } || catalog.External.Matches(table)) return false;
        var values = new HashSet<string>(StringComparer.Ordinal);
        // tSQLt tests write faked tables inside a transaction the framework rolls back: nothing they write stays
        foreach (var t in transformations.Where(t => t.Transformation.Tsqlt == TsqltRole.None))
        {
            if (ReadOnlyProcedures.RunsDynamicSql(t) && FilledColumns.Mentions(t, table)) return false;
            if (!t.Transformation.Writes.Contains(table)) continue;
            if (t.KeptKeys.FirstOrDefault(k => k.Table == table) is not { Constants: { } constants }) return false;
            if (!constants.TryGetValue(column, out var written)) continue;
            if (written is null) return false;
            values.UnionWith(written);
        }
        return values.Count == 1;
    }
}
