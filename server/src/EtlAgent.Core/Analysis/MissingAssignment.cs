using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.Runner;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Analysis;

/// <summary>
/// Where an assignment that should set columns of a table is missing: the table, the columns, the
/// statement named, whether the assignment belongs inside it (a SET clause of that UPDATE), and, for a
/// statement of its own, where it belongs in words.
/// </summary>
public sealed record MissingAssignmentPlace(QualifiedName Table, IReadOnlyList<string> Columns, IndexedStatement At, bool Inside, string Where = "");

/// <summary>
/// A case whose expected rows of a table differ from the actual ones only in the values of some
/// columns (as many rows missing as unexpected), each actual value NULL or left as the given row had
/// it (nothing wrote it), when no single edit of the code turns it green:
/// what sets those values is missing — a SET clause deleted from an UPDATE, or a whole statement
/// deleted while other statements still write the table. Placed by data flow order:
/// <list type="bullet">
/// <item>an UPDATE (or a MERGE) the case ran that sets other columns of the table and none of these:
/// the assignment belongs in it (named itself);</item>
/// <item>else a statement of its own, before the first statement the case ran that reads or sets
/// these columns of the table (a later step relies on the value) and after the last one that adds
/// the table's rows: named is the statement just before that first reader, after which the
/// expected state would have been made; with no reader, just after the last statement that writes
/// the table.</item>
/// </list>
/// </summary>
public static class MissingAssignment
{
    public static MissingAssignmentPlace? Find(TransformationAnalysis t, StatementIndex index, IReadOnlyList<IndexedStatement> covered, TestCaseResult failing)
    {
        var mismatch = failing.Failures.OfType<RowsMismatch>()
            .FirstOrDefault(m => m.Table is not null && m.Diff.Missing.Count > 0 && m.Diff.Missing.Count == m.Diff.Unexpected.Count);
        if (mismatch?.Table is not { } table) return null;
        var columns = FailureShape.Differing(mismatch.Diff).ToList();
        if (columns.Count == 0 || !Unwritten(failing, table, mismatch.Diff)) return null;
        bool IsTable(QualifiedName n) => n.Equals(table) || (table.Name.StartsWith('#') && n.Name.Equals(table.Name, StringComparison.OrdinalIgnoreCase));
        bool Sets(IndexedStatement s, bool differing) => ExpressionColumns.Assignments(t, s.Node)
            .Any(a => IsTable(a.Table) && columns.Contains(a.Column, StringComparer.OrdinalIgnoreCase) == differing);
        var ran = covered.Where(s => !s.IsBlock).OrderBy(s => s.Start).ToList();
        var writers = ran.Where(s => ExpressionColumns.WrittenTables(t, s.Node).Any(IsTable)).ToList();
        if (writers.Count == 0) return null;

        // an UPDATE that sets other columns of the rows and none of these: the SET clause is what is missing
        if (writers.LastOrDefault(s => s.Node is UpdateStatement or MergeStatement && Sets(s, differing: false) && !Sets(s, differing: true)) is { } update)
            return new MissingAssignmentPlace(table, columns, update, Inside: true);

        // a statement of its own: after the last statement that adds the table's rows, before the first that relies on the values
        var adds = writers.LastOrDefault(s => s.Node is InsertStatement or SelectStatement or MergeStatement);
        var reader = ran.FirstOrDefault(s => (adds is null || s.Start > adds.Start) && (Sets(s, differing: true) || ReadsColumns(s.Node, table, columns)));
        if (reader is null)
        {
            var last = writers[^1];
            var next = index.Statements.Where(s => !s.IsBlock && s.Start >= last.End).OrderBy(s => s.Start).FirstOrDefault();
            return next is null ? null : new MissingAssignmentPlace(table, columns, next, Inside: false,
                $"just after the statement at line {last.Line}, the last one that writes the table");
        }
        var before = index.Statements.Where(s => !s.IsBlock && s.End <= reader.Start && (adds is null || s.Start >= adds.Start)).OrderBy(s => s.Start).LastOrDefault();
        return new MissingAssignmentPlace(table, columns, before ?? reader, Inside: false, before is null
            ? $"just before the statement at line {reader.Line}, the first one that relies on them"
            : $"just after the statement at line {before.Line}, before the first statement that relies on them (line {reader.Line})");
    }

    /// <summary>
    /// Whether nothing wrote the differing values: each is NULL, or what the given row of the table most like
    /// the actual row holds in that column. A value the code made (a wrong one) points at the statement that
    /// made it, which the lineage ranking names; only a value left as it was is a missing assignment.
    /// </summary>
    private static bool Unwritten(TestCaseResult failing, QualifiedName table, Sandbox.RowComparison.Diff diff)
    {
        var given = failing.Case.Given.Where(g => g.Table.Equals(table)).SelectMany(g => g.Rows).ToList();
        object? GivenCell(Sandbox.TestFiles.TestRow r, string column) => r.Cells.FirstOrDefault(c => c.Key.Equals(column, StringComparison.OrdinalIgnoreCase)).Value;
        var free = diff.Unexpected.ToList();
        foreach (var miss in diff.Missing)
        {
            if (free.Count == 0) break;
            var actual = free.OrderByDescending(u => Enumerable.Range(0, diff.Columns.Count).Count(i => Sandbox.RowComparison.ValuesEqual(miss[i], u[i]))).First();
            free.Remove(actual);
            var like = given.OrderByDescending(r => Enumerable.Range(0, diff.Columns.Count).Count(i => Sandbox.RowComparison.ValuesEqual(GivenCell(r, diff.Columns[i]), actual[i]))).FirstOrDefault();
            for (int i = 0; i < diff.Columns.Count; i++)
                if (!Sandbox.RowComparison.ValuesEqual(miss[i], actual[i]) && actual[i] is not null
                    && (like is null || !Sandbox.RowComparison.ValuesEqual(GivenCell(like, diff.Columns[i]), actual[i])))
                    return false;
        }
        return true;
    }

    /// <summary>Whether the statement reads the table and names one of the columns.</summary>
    private static bool ReadsColumns(TSqlStatement statement, QualifiedName table, IReadOnlyList<string> columns)
    {
        var v = new TablesAndColumns();
        statement.Accept(v);
        return v.Tables.Any(n => n.Equals(table) || n.Name.Equals(table.Name, StringComparison.OrdinalIgnoreCase) && (n.Schema is null || table.Schema is null))
            && v.Columns.Any(c => columns.Contains(c, StringComparer.OrdinalIgnoreCase));
    }

    private sealed class TablesAndColumns : TSqlFragmentVisitor
    {
        public List<QualifiedName> Tables { get; } = new();
        public List<string> Columns { get; } = new();
        public override void Visit(NamedTableReference node) => Tables.Add(new QualifiedName(node.SchemaObject.SchemaIdentifier?.Value, node.SchemaObject.BaseIdentifier.Value));
        public override void Visit(ColumnReferenceExpression node) { if (node.MultiPartIdentifier is { Count: > 0 } id) Columns.Add(id.Identifiers[^1].Value); }
    }
}
