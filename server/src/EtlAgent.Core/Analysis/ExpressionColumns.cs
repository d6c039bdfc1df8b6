using EtlAgent.Core.Lineage;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Analysis;

/// <summary>
/// The columns an edit is about: those of the smallest expression or predicate around the span that
/// names a column (for an operator token, the comparison it sits in; for a column, the column), and
/// the target columns a statement writes (lineage).
/// </summary>
public static class ExpressionColumns
{
    /// <summary>Column names (last part, as written) of the smallest expression holding the span that names any; empty when none does.</summary>
    public static IReadOnlyList<string> Around(TSqlStatement statement, int start, int length)
    {
        var finder = new Enclosing(start, length);
        statement.Accept(finder);
        foreach (var candidate in finder.Found.OrderBy(f => f.FragmentLength))
        {
            var names = ColumnsIn(candidate);
            if (names.Count > 0) return names;
        }
        return Array.Empty<string>();
    }

    /// <summary>Columns the span itself names (the text of a replacement is not in the tree: read by its brackets or dots).</summary>
    public static IReadOnlyList<string> Named(string text)
    {
        var names = new List<string>();
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"\.\s*\[([^\]]+)\]|\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]"))
        {
            var name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value;
            if (!names.Contains(name, StringComparer.OrdinalIgnoreCase)) names.Add(name);
        }
        return names;
    }

    /// <summary>Target columns written by <paramref name="statement"/> (or by statements inside it).</summary>
    public static IReadOnlyList<string> Written(TransformationAnalysis t, TSqlStatement statement) =>
        t.Assignments
            .Where(a => a.Statement.StartOffset >= statement.StartOffset && a.Statement.StartOffset + a.Statement.FragmentLength <= statement.StartOffset + statement.FragmentLength)
            .Select(a => a.Column).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>The column assignments made by <paramref name="statement"/> (or by statements inside it).</summary>
    public static IEnumerable<ColumnAssignment> Assignments(TransformationAnalysis t, TSqlStatement statement) =>
        t.Assignments.Where(a => a.Statement.StartOffset >= statement.StartOffset && a.Statement.StartOffset + a.Statement.FragmentLength <= statement.StartOffset + statement.FragmentLength);

    /// <summary>Target tables written by <paramref name="statement"/>.</summary>
    public static IReadOnlyList<Model.QualifiedName> WrittenTables(TransformationAnalysis t, TSqlStatement statement) =>
        t.Assignments
            .Where(a => a.Statement.StartOffset >= statement.StartOffset && a.Statement.StartOffset + a.Statement.FragmentLength <= statement.StartOffset + statement.FragmentLength)
            .Select(a => a.Table).Distinct().ToList();

    private static List<string> ColumnsIn(TSqlFragment fragment)
    {
        var c = new Columns();
        fragment.Accept(c);
        return c.Names;
    }

    private sealed class Enclosing(int start, int length) : TSqlFragmentVisitor
    {
        public List<TSqlFragment> Found { get; } = new();
        public override void Visit(TSqlFragment node)
        {
            if (node is not (ScalarExpression or BooleanExpression or JoinTableReference or SetClause or SelectElement or GroupByClause or OrderByClause or WhereClause)) return;
            if (node.StartOffset <= start && start + length <= node.StartOffset + node.FragmentLength) Found.Add(node);
        }
    }

    private sealed class Columns : TSqlFragmentVisitor
    {
        public List<string> Names { get; } = new();
        public override void Visit(ColumnReferenceExpression node)
        {
            if (node.MultiPartIdentifier is not { Count: > 0 } id) return;
            var name = id.Identifiers[^1].Value;
            if (!Names.Contains(name, StringComparer.OrdinalIgnoreCase)) Names.Add(name);
        }
    }
}
