using System.Text;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Healing;

/// <summary>
/// The prompt that asks a model for a repair of one suspect statement: the statement, the schema of
/// the tables the transformation reads and writes, what did not hold, the expected and actual rows
/// that differ and the failing case's input rows. Row values are replaced by their type
/// ("&lt;int&gt;"; NULL stays NULL) unless `llm.sendRows` allows sending them.
/// </summary>
public static class LlmPrompt
{
    public const string Instructions =
        "You repair one T-SQL statement of an ETL procedure so that a failing test case passes without breaking the others. " +
        "Reply with the corrected statement only, complete, in one ```sql block, then a line \"class: <bug class>\" " +
        "(one of: null-unsafe-comparison, scd2-current-row, boundary, join-type, filter, wrong-key, wrong-aggregate, truncation, expression). " +
        "Change as little as possible.";

    public static string Build(TransformationAnalysis t, SchemaCatalog catalog, SuspectStatement suspect, TestCaseResult failing, bool sendRows)
    {
        var text = t.Document.Text;
        var sb = new StringBuilder();
        sb.AppendLine(Instructions).AppendLine();
        sb.Append("Procedure ").Append(t.Transformation.Name).Append(" (").Append(t.Transformation.File).AppendLine("). The suspect statement:");
        sb.AppendLine("```sql").AppendLine(text[suspect.StartOffset..suspect.EndOffset]).AppendLine("```").AppendLine();
        sb.AppendLine("Tables:");
        foreach (var name in t.Transformation.Reads.Concat(t.Transformation.Writes).Distinct().OrderBy(n => n.ToString(), StringComparer.Ordinal))
            if (catalog.Find(name) is { } table)
                sb.Append("- ").Append(name).Append(" (").Append(string.Join(", ", table.Columns.Select(c => $"[{c.Name}] {c.Type}{(c.Nullable ? " NULL" : " NOT NULL")}"))).AppendLine(")");
        sb.AppendLine().Append("Failing case \"").Append(failing.Case.Name).AppendLine("\":");
        foreach (var f in failing.Failures)
        {
            sb.Append("- ").AppendLine(f.Summary);
            if (f is RowsMismatch m)
            {
                var table = m.Table is { } n ? catalog.Find(n) : null;
                foreach (var row in m.Diff.Missing) sb.Append("  expected, not found: ").AppendLine(Row(m.Diff.Columns, row, table, sendRows));
                foreach (var row in m.Diff.Unexpected) sb.Append("  found, not expected: ").AppendLine(Row(m.Diff.Columns, row, table, sendRows));
            }
        }
        sb.AppendLine().AppendLine(sendRows ? "Input rows of the case:" : "Input rows of the case (values redacted to their types):");
        foreach (var given in failing.Case.Given)
        {
            var table = catalog.Find(given.Table);
            foreach (var row in given.Rows)
                sb.Append("- ").Append(given.Table).Append(": ").AppendLine(Row(row.Cells.Select(c => c.Key).ToList(), row.Cells.Select(c => c.Value).ToList(), table, sendRows));
        }
        if (failing.Case.Call.Count > 0)
            sb.Append("Call: ").AppendLine(string.Join(", ", failing.Case.Call.Select(a => $"{a.Key} = {Value(a.Value, null, sendRows)}")));
        return sb.ToString();
    }

    private static string Row(IReadOnlyList<string> columns, IReadOnlyList<object?> values, TableDef? table, bool sendRows) =>
        "{" + string.Join(", ", columns.Select((c, i) => $"{c}: {Value(values[i], table?.FindColumn(c)?.Type, sendRows)}")) + "}";

    private static string Value(object? value, SqlType? type, bool sendRows)
    {
        if (value is null) return "NULL";
        if (sendRows) return TestValues.Format(value, type).Text;
        return $"<{type?.ToString() ?? value.GetType().Name.ToLowerInvariant()}>";
    }
}
