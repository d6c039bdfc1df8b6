using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.Runner;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Healing;

/// <summary>
/// A write the procedure no longer makes: a failing case expects rows in a table that no statement
/// of the procedure writes, and the procedure's parameters name that table's columns (the usual
/// shape of a "save" procedure). The INSERT of the parameters into the same-named columns is added
/// at the end of the body. No suspect statement can hold this fault — the statement is gone — so it
/// is read from the failure, not from the suspects.
/// </summary>
public static class MissingWriteTemplate
{
    public static IReadOnlyList<RepairCandidate> For(TransformationAnalysis t, SchemaCatalog catalog, HealFailure failure)
    {
        if (!t.HasSyntax || t.Syntax.Parameters.Count == 0 || InsertAt(t) is not { } at) return Array.Empty<RepairCandidate>();
        var written = t.Transformation.Writes.Select(w => catalog.Find(w)?.Name ?? w).ToHashSet();
        var expected = failure.Failing.SelectMany(f => f.Failures).Select(f => f switch
        {
            RowsMismatch { Table: { } table, Diff.Missing.Count: > 0 } => table,
            RowCountMismatch c when c.Expected > c.Actual => c.Table,
            _ => (QualifiedName?)null,
        }).OfType<QualifiedName>().Distinct();
        var text = t.Document.Text;
        var result = new List<RepairCandidate>();
        foreach (var name in expected)
        {
            if (catalog.Find(name) is not { } table || written.Contains(table.Name)) continue;
            var pairs = t.Syntax.Parameters.Where(p => !p.IsOutput)
                .Select(p => (Parameter: p.Name, Column: table.FindColumn(p.Name.TrimStart('@'))))
                .Where(x => x.Column is { IsGenerated: false }).ToList();
            // every column the table requires must be given (a NOT NULL column without default)
            var required = table.Columns.Where(c => !c.Nullable && c.Default is null && !c.IsGenerated);
            if (pairs.Count == 0 || required.Any(c => pairs.All(p => p.Column != c))) continue;
            var (offset, indent) = at;
            var insert = $"{NewLine(text)}{NewLine(text)}{indent}INSERT INTO [{table.Name.Schema}].[{table.Name.Name}] ({string.Join(", ", pairs.Select(p => $"[{p.Column!.Name}]"))})" +
                $"{NewLine(text)}{indent}VALUES ({string.Join(", ", pairs.Select(p => p.Parameter))});";
            result.Add(new RepairCandidate(HealKinds.Code, HealClasses.Filter, $"write {table.Name} again: insert the parameters into its same-named columns",
                new[] { SpanEdits.Replace(t.Transformation.File, text, offset, offset, insert) }, "template"));
        }
        return result;
    }

    /// <summary>After the body's last statement, indented as it is.</summary>
    private static (int Offset, string Indent)? InsertAt(TransformationAnalysis t)
    {
        var body = t.Syntax.Body;
        if (body.Count == 0) return null;
        TSqlFragment last = body[^1];
        while (last is BeginEndBlockStatement { StatementList.Statements.Count: > 0 } block) last = block.StatementList.Statements[^1];
        if (last.StartOffset < 0) return null;
        var text = t.Document.Text;
        int lineStart = text.LastIndexOf('\n', Math.Max(0, last.StartOffset - 1)) + 1;
        int i = lineStart;
        while (i < text.Length && text[i] is ' ' or '\t') i++;
        return (last.StartOffset + last.FragmentLength, text[lineStart..i]);
    }

    private static string NewLine(string text) => text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
}
