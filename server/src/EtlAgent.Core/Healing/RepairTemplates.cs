using System.Text.RegularExpressions;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Healing;

/// <summary>
/// Repairs written for a bug class, made on the nodes of a suspect statement: a NULL-unsafe
/// comparison made NULL-safe, the current-row filter added to a lookup of a versioned (SCD2)
/// table, a boundary made inclusive or exclusive, INNER and LEFT joins exchanged, an aggregate
/// replaced by its usual confusion, a truncating CAST/CONVERT widened to the written column. Each is
/// a span edit of the procedure's text; the verifier decides which, if any, is right.
/// </summary>
public static partial class RepairTemplates
{
    public static IReadOnlyList<RepairCandidate> For(TransformationAnalysis t, SchemaCatalog catalog, SuspectStatement suspect)
    {
        if (!t.HasSyntax || suspect.File != t.Transformation.File) return Array.Empty<RepairCandidate>();
        var visitor = new Visitor(t, catalog, suspect);
        foreach (var f in t.Syntax.Body) f.Accept(visitor);
        return visitor.Candidates;
    }

    private sealed class ColumnNames : TSqlFragmentVisitor
    {
        public HashSet<string> Names { get; } = new(StringComparer.OrdinalIgnoreCase);
        public override void Visit(ColumnReferenceExpression node)
        {
            if (node.MultiPartIdentifier?.Identifiers.LastOrDefault() is { } id) Names.Add(id.Value);
        }
    }

    private sealed class Visitor(TransformationAnalysis t, SchemaCatalog catalog, SuspectStatement suspect) : TSqlFragmentVisitor
    {
        private readonly string _text = t.Document.Text;
        private readonly string _file = t.Transformation.File;
        public List<RepairCandidate> Candidates { get; } = new();

        private bool Inside(TSqlFragment f) => f.StartOffset >= 0 && suspect.Contains(f.StartOffset, f.FragmentLength);
        private string Span(TSqlFragment f) => _text.Substring(f.StartOffset, f.FragmentLength);

        private void Add(string bugClass, string title, int start, int end, string newText)
        {
            if (_text[start..end] == newText) return;
            Candidates.Add(new RepairCandidate(HealKinds.Code, bugClass, title, new[] { SpanEdits.Replace(_file, _text, start, end, newText) }, "template"));
        }

        public override void Visit(BooleanComparisonExpression node)
        {
            if (!Inside(node)) return;
            var a = Span(node.FirstExpression);
            var b = Span(node.SecondExpression);
            bool aColumn = node.FirstExpression is ColumnReferenceExpression, bColumn = node.SecondExpression is ColumnReferenceExpression;
            switch (node.ComparisonType)
            {
                case BooleanComparisonType.Equals when aColumn && bColumn:
                    Add(HealClasses.NullUnsafeComparison, $"compare NULLs safely: {Short(a)} = {Short(b)} also matches two NULLs",
                        node.StartOffset, End(node), $"({a} = {b} OR ({a} IS NULL AND {b} IS NULL))");
                    break;
                case BooleanComparisonType.NotEqualToBrackets or BooleanComparisonType.NotEqualToExclamation when aColumn && bColumn:
                    Add(HealClasses.NullUnsafeComparison, $"compare NULLs safely: {Short(a)} <> {Short(b)} also when one side is NULL",
                        node.StartOffset, End(node), $"({a} <> {b} OR ({a} IS NULL AND {b} IS NOT NULL) OR ({a} IS NOT NULL AND {b} IS NULL))");
                    break;
                case BooleanComparisonType.NotEqualToBrackets or BooleanComparisonType.NotEqualToExclamation when aColumn:
                    Add(HealClasses.NullUnsafeComparison, $"keep the NULL rows: {Short(a)} <> {Short(b)} or {Short(a)} IS NULL",
                        node.StartOffset, End(node), $"({a} <> {b} OR {a} IS NULL)");
                    break;
            }
            var flip = node.ComparisonType switch
            {
                BooleanComparisonType.LessThan => ("<", "<="),
                BooleanComparisonType.LessThanOrEqualTo => ("<=", "<"),
                BooleanComparisonType.GreaterThan => (">", ">="),
                BooleanComparisonType.GreaterThanOrEqualTo => (">=", ">"),
                _ => ((string, string)?)null,
            };
            if (flip is { } f && Between(node.FirstExpression, node.SecondExpression, f.Item1) is { } at)
                Add(HealClasses.Boundary, $"{(f.Item2.Length == 2 ? "include" : "exclude")} the boundary: {Short(a)} {f.Item2} {Short(b)}", at, at + f.Item1.Length, f.Item2);
        }

        public override void Visit(QualifiedJoin node)
        {
            if (!Inside(node)) return;
            if (node.QualifiedJoinType == QualifiedJoinType.Inner)
            {
                if (Between(node.FirstTableReference, node.SecondTableReference, "INNER JOIN") is { } inner)
                    Add(HealClasses.JoinType, $"keep unmatched rows: INNER JOIN {Short(Span(node.SecondTableReference))} → LEFT JOIN", inner, inner + 5, "LEFT");
                else if (Between(node.FirstTableReference, node.SecondTableReference, "JOIN") is { } join)
                    Add(HealClasses.JoinType, $"keep unmatched rows: JOIN {Short(Span(node.SecondTableReference))} → LEFT JOIN", join, join, "LEFT ");
            }
            else if (node.QualifiedJoinType == QualifiedJoinType.LeftOuter && Between(node.FirstTableReference, node.SecondTableReference, "LEFT") is { } left)
            {
                var outer = Regex.Match(_text[left..], @"^LEFT\s+OUTER\b", RegexOptions.IgnoreCase);
                Add(HealClasses.JoinType, $"drop unmatched rows: LEFT JOIN {Short(Span(node.SecondTableReference))} → INNER JOIN", left, left + (outer.Success ? outer.Length : 4), "INNER");
            }
        }

        public override void Visit(FunctionCall node)
        {
            if (!Inside(node)) return;
            var name = node.FunctionName.Value.ToUpperInvariant();
            var other = name switch { "MIN" => "MAX", "MAX" => "MIN", _ => null };
            if (other is not null)
                Add(HealClasses.WrongAggregate, $"the {other.ToLowerInvariant()}imum, not the {name.ToLowerInvariant()}imum: {name} → {other}",
                    node.FunctionName.StartOffset, End(node.FunctionName), other);
            if (name == "COUNT" && node.Parameters.Count == 1 && node.Parameters[0] is not ColumnReferenceExpression { ColumnType: ColumnType.Wildcard })
            {
                var p = node.Parameters[0];
                if (node.UniqueRowFilter == UniqueRowFilter.Distinct)
                    Add(HealClasses.WrongAggregate, "count every row: COUNT(DISTINCT …) → COUNT(…)", node.StartOffset, End(node), $"{_text.Substring(node.FunctionName.StartOffset, node.FunctionName.FragmentLength)}({Span(p)})");
                else
                    Add(HealClasses.WrongAggregate, "count distinct values: COUNT(…) → COUNT(DISTINCT …)", p.StartOffset, p.StartOffset, "DISTINCT ");
            }
            // the numbering's direction: which version counts as the latest (ROW_NUMBER … ORDER BY … DESC) is a classic flip
            if (name is "ROW_NUMBER" or "RANK" or "DENSE_RANK" && node.OverClause?.OrderByClause is { } order)
                foreach (var e in order.OrderByElements)
                {
                    var s = Span(e);
                    var flipped = e.SortOrder == SortOrder.Descending && s.EndsWith("DESC", StringComparison.OrdinalIgnoreCase) ? s[..^4] + "ASC"
                        : e.SortOrder == SortOrder.Ascending && s.EndsWith("ASC", StringComparison.OrdinalIgnoreCase) ? s[..^3] + "DESC"
                        : e.SortOrder == SortOrder.NotSpecified ? s + " DESC" : null;
                    if (flipped is not null)
                        Add(HealClasses.Expression, $"number the rows the other way: {name} … ORDER BY {Short(s)} → {Short(flipped)}", e.StartOffset, End(e), flipped);
                }
            if (name == "SUM" && node.Parameters.Count == 1)
                Add(HealClasses.WrongAggregate, "count, not sum: SUM → COUNT", node.FunctionName.StartOffset, End(node.FunctionName), "COUNT");
            if (name == "COUNT" && node.Parameters.Count == 1 && node.Parameters[0] is not ColumnReferenceExpression { ColumnType: ColumnType.Wildcard })
                Add(HealClasses.WrongAggregate, "sum, not count: COUNT → SUM", node.FunctionName.StartOffset, End(node.FunctionName), "SUM");
        }

        /// <summary>SELECT list elements with their names (alias, else the column's), for the column a conversion feeds.</summary>
        private readonly List<(int Start, int End, string Name)> _named = new();

        public override void Visit(SelectScalarExpression node)
        {
            var name = node.ColumnName?.Value ?? (node.Expression as ColumnReferenceExpression)?.MultiPartIdentifier?.Identifiers.LastOrDefault()?.Value;
            if (name is not null && node.StartOffset >= 0) _named.Add((node.StartOffset, End(node), name));
        }

        public override void Visit(CastCall node) { if (Inside(node)) Widen(node, node.DataType); }
        public override void Visit(ConvertCall node) { if (Inside(node)) Widen(node, node.DataType); }
        public override void Visit(TryCastCall node) { if (Inside(node)) Widen(node, node.DataType); }
        public override void Visit(TryConvertCall node) { if (Inside(node)) Widen(node, node.DataType); }

        /// <summary>
        /// A string or decimal type with a length narrower than a column of that type the
        /// transformation writes: widened to it — first to the column of the name the converted
        /// value goes by (its SELECT alias, or the column it converts), then to the next wider ones.
        /// </summary>
        private void Widen(TSqlFragment call, DataTypeReference type)
        {
            if (type is not SqlDataTypeReference { Parameters.Count: >= 1 } sql || sql.Parameters[0] is not IntegerLiteral lit || !int.TryParse(lit.Value, out var n)) return;
            var typeName = sql.Name.BaseIdentifier.Value.ToLowerInvariant();
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (start, end, name) in _named)
                if (start <= call.StartOffset && End(call) <= end) names.Add(name);
            var columns = new ColumnNames();
            call.Accept(columns);
            names.UnionWith(columns.Names);
            var wider = t.Transformation.Writes.Select(catalog.Find).OfType<TableDef>().SelectMany(d => d.Columns)
                .Where(c => string.Equals(c.Type.Name, typeName, StringComparison.OrdinalIgnoreCase) && c.Type.Length is { } l && l > n)
                .OrderBy(c => names.Contains(c.Name) ? 0 : 1).ThenBy(c => c.Type.Length)
                .Select(c => c.Type.Length!.Value).Distinct().Take(2).ToList();
            foreach (var w in wider)
                Add(HealClasses.Truncation, $"stop truncating: {typeName}({n}) → {typeName}({w}), the written column's length", lit.StartOffset, End(lit), w.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        public override void Visit(QuerySpecification node)
        {
            if (Inside(node) && node.FromClause is { } from) CurrentRowFilter(from, node.WhereClause);
        }

        public override void Visit(UpdateSpecification node)
        {
            if (Inside(node) && node.FromClause is { } from) CurrentRowFilter(from, node.WhereClause);
        }

        public override void Visit(DeleteSpecification node)
        {
            if (Inside(node) && node.FromClause is { } from) CurrentRowFilter(from, node.WhereClause);
        }

        /// <summary>
        /// For each versioned table the FROM reads without a condition on its current-row column:
        /// the condition added to the join (a LEFT JOIN must keep it in ON) or to the WHERE clause.
        /// </summary>
        private void CurrentRowFilter(FromClause from, WhereClause? where)
        {
            var scope = _text.Substring(from.StartOffset, (where is null ? End(from) : End(where)) - from.StartOffset);
            foreach (var (named, join) in Tables(from))
            {
                if (catalog.Find(new QualifiedName(named.SchemaObject.SchemaIdentifier?.Value ?? "dbo", named.SchemaObject.BaseIdentifier.Value)) is not { } table) continue;
                var alias = named.Alias?.Value ?? named.SchemaObject.BaseIdentifier.Value;
                foreach (var (column, values) in CurrentRowConditions(table))
                {
                    var reference = new Regex($@"\b{Regex.Escape(alias)}\s*\.\s*(\[{Regex.Escape(column)}\]|{Regex.Escape(column)}\b)", RegexOptions.IgnoreCase);
                    if (reference.IsMatch(scope)) continue;
                    foreach (var value in values)
                    {
                        var condition = $"{alias}.[{column}] {value}";
                        var title = $"add the current-row filter: {condition}";
                        if (join is { SearchCondition: { } on })
                            Add(HealClasses.MissingCurrentRowFilter, title, on.StartOffset, End(on), $"{Wrap(on)} AND {condition}");
                        if (join is not { QualifiedJoinType: QualifiedJoinType.LeftOuter or QualifiedJoinType.RightOuter or QualifiedJoinType.FullOuter })
                        {
                            if (where?.SearchCondition is { } w) Add(HealClasses.MissingCurrentRowFilter, title, w.StartOffset, End(w), $"{Wrap(w)} AND {condition}");
                            else Add(HealClasses.MissingCurrentRowFilter, title, End(from), End(from), $"{NewLine}{IndentOf(from.StartOffset)}WHERE {condition}");
                        }
                    }
                }
            }
        }

        /// <summary>The current-row conditions of a versioned table: its window's end compared as the code compares it elsewhere, or its flag.</summary>
        private IEnumerable<(string Column, IReadOnlyList<string> Values)> CurrentRowConditions(TableDef table)
        {
            if (VersionColumns.Window(table) is { } window)
            {
                var end = window.End.Name;
                var used = Regex.Matches(_text, $@"(?:\[{Regex.Escape(end)}\]|\b{Regex.Escape(end)}\b)\s*=\s*(@\w+|'[^']*')", RegexOptions.IgnoreCase)
                    .Select(m => "= " + m.Groups[1].Value).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                // a variable declared as the end of time says what the code means by "current"
                used.AddRange(Regex.Matches(_text, @"DECLARE\s+(@\w+)\s+[\w\s(),]*?=\s*'9999-12-31[^']*'", RegexOptions.IgnoreCase)
                    .Select(m => "= " + m.Groups[1].Value).Where(v => !used.Contains(v, StringComparer.OrdinalIgnoreCase)));
                if (used.Count == 0) used.Add(end.Length > 0 && window.End.Type.Name == "date" ? "= '9999-12-31'" : "= '9999-12-31 23:59:59.9999999'");
                if (window.End.Nullable) used.Add("IS NULL");
                yield return (end, used);
            }
            else if (VersionColumns.CurrentFlag(table) is { } flag)
                yield return (flag.Name, new[] { flag.Type.IsString ? "= 'Y'" : "= 1" });
        }

        private static IEnumerable<(NamedTableReference Table, QualifiedJoin? Join)> Tables(FromClause from)
        {
            foreach (var r in from.TableReferences)
                foreach (var x in Walk(r, null)) yield return x;
        }

        private static IEnumerable<(NamedTableReference, QualifiedJoin?)> Walk(TableReference r, QualifiedJoin? joinedBy)
        {
            switch (r)
            {
                case NamedTableReference n: yield return (n, joinedBy); break;
                case QualifiedJoin q:
                    foreach (var x in Walk(q.FirstTableReference, null)) yield return x;
                    foreach (var x in Walk(q.SecondTableReference, q)) yield return x;
                    break;
                case JoinTableReference j:
                    foreach (var x in Walk(j.FirstTableReference, null)) yield return x;
                    foreach (var x in Walk(j.SecondTableReference, null)) yield return x;
                    break;
                case JoinParenthesisTableReference p:
                    foreach (var x in Walk(p.Join, joinedBy)) yield return x;
                    break;
            }
        }

        private string NewLine => _text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";

        /// <summary>The leading whitespace of the line holding <paramref name="offset"/>: a new clause lines up with the FROM.</summary>
        private string IndentOf(int offset)
        {
            int start = _text.LastIndexOf('\n', Math.Max(0, offset - 1)) + 1;
            int end = start;
            while (end < _text.Length && _text[end] is ' ' or '\t') end++;
            return _text[start..end];
        }

        private string Wrap(BooleanExpression e) => e is BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.Or } ? $"({Span(e)})" : Span(e);

        private static int End(TSqlFragment f) => f.StartOffset + f.FragmentLength;

        /// <summary>Where <paramref name="token"/> first occurs between two nodes, or null.</summary>
        private int? Between(TSqlFragment left, TSqlFragment right, string token)
        {
            int from = End(left), to = right.StartOffset;
            if (from < 0 || to <= from) return null;
            var m = Regex.Match(_text[from..to], Regex.Escape(token).Replace(@"\ ", @"\s+"), RegexOptions.IgnoreCase);
            return m.Success ? from + m.Index : null;
        }

        private static string Short(string code)
        {
            var s = Regex.Replace(code, @"\s+", " ").Trim();
            return s.Length <= 40 ? s : s[..37] + "…";
        }
    }
}
