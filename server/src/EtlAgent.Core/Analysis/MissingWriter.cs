using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.Runner;

namespace EtlAgent.Core.Analysis;

/// <summary>
/// Where a statement that should write a table is missing: the table, the statement the missing one
/// belongs after (the last the case ran that writes a table, or, when none writes one, the last the
/// case ran at all), whether that statement writes a table, and the statement that follows it.
/// </summary>
public sealed record MissingWriterPlace(QualifiedName Table, IndexedStatement LastWriter, IndexedStatement? Next, bool AnyWriter = true);

/// <summary>
/// A table the failing case expects rows in (rows missing, none unexpected) that no statement of
/// the transformation writes: no edit of the code that is there can bring the rows back, so the
/// writer itself is missing (a deleted statement). It is named where the data flow the case ran
/// ends: just after the last statement that writes a table — the statement that follows it, or the
/// procedure's end. When no statement the case ran writes any table (the deleted statement was the
/// procedure's only writer), the run ends in statements that change no data: the writer belongs
/// after the last of them, which is named itself.
/// </summary>
public static class MissingWriter
{
    public static MissingWriterPlace? Find(TransformationAnalysis t, StatementIndex index, IReadOnlyList<IndexedStatement> covered, TestCaseResult failing)
    {
        var lacking = failing.Failures.Select(f => f switch
            {
                RowsMismatch { Table: { } table } m when m.Diff.Missing.Count > 0 && m.Diff.Unexpected.Count == 0 => table,
                RowCountMismatch c when c.Actual < c.Expected => c.Table,
                _ => (QualifiedName?)null,
            })
            .OfType<QualifiedName>().ToList();
        if (lacking.Count == 0) return null;
        var written = t.Assignments.Select(a => a.Table).ToList();
        var table = lacking.FirstOrDefault(l => !written.Any(w => w.Equals(l) || (l.Name.StartsWith('#') && w.Name.Equals(l.Name, StringComparison.OrdinalIgnoreCase))));
        if (table.Name is null) return null;
        var lastWriter = covered.Where(s => ExpressionColumns.WrittenTables(t, s.Node).Count > 0).OrderBy(s => s.Start).LastOrDefault();
        if (lastWriter is null)
            return covered.Where(s => !s.IsBlock).OrderBy(s => s.Start).LastOrDefault() is { } lastRan ? new MissingWriterPlace(table, lastRan, null, AnyWriter: false) : null;
        var next = index.Statements.Where(s => !s.IsBlock && s.Start >= lastWriter.End).OrderBy(s => s.Start).FirstOrDefault();
        return new MissingWriterPlace(table, lastWriter, next);
    }
}
