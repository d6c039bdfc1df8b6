using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Mutation;

/// <summary>One small change to a transformation's text: a replacement at a node's span.</summary>
public sealed record Mutant(
    int Id,
    string Transformation,
    string Operator,
    string File,
    int Line,
    int Start,
    int Length,
    string Original,
    string Mutated)
{
    public string Apply(string text) => text[..Start] + Mutated + text[(Start + Length)..];

    public override string ToString() => $"#{Id} {Operator} {File}:{Line}: {Original} → {Mutated}";
}

/// <summary>
/// Makes mutants of a transformation by visiting its ScriptDom tree and replacing text at node
/// spans: relational operators, AND/OR, NOT, IS [NOT] NULL, join types, aggregates, DISTINCT,
/// ORDER BY direction, TOP, integer constants ±1, ISNULL/COALESCE fallback dropped, predicates
/// removed, CASE branches swapped, columns replaced by another of the same type, MERGE clauses,
/// SET clauses and statements deleted. The caller re-parses each mutant and drops those that no
/// longer parse.
/// </summary>
public static class MutantGenerator
{
    public static IReadOnlyList<Mutant> Generate(TransformationAnalysis t) => Generate(t, null);

    /// <summary>The mutants worth running: those equivalent by construction (<see cref="EquivalentMutants"/>) are left out.</summary>
    /// <param name="catalog">Column types for "column replaced" (without it, that operator is skipped).</param>
    public static IReadOnlyList<Mutant> Generate(TransformationAnalysis t, SchemaCatalog? catalog) => GenerateSet(t, catalog).Candidates;

    /// <summary>Every mutant, split into those to run and those equivalent by construction (counted apart, never run).</summary>
    public static MutantSet GenerateSet(TransformationAnalysis t, SchemaCatalog? catalog) =>
        EquivalentMutants.Split(t, catalog, All(t, catalog));

    private static IReadOnlyList<Mutant> All(TransformationAnalysis t, SchemaCatalog? catalog)
    {
        var text = t.Document.Text;
        var edits = new List<(string Op, int Start, int Length, string Replacement)>();
        var visitor = new Visitor(text, edits);
        foreach (var f in t.Syntax.Body) f.Accept(visitor);
        JoinKeyReplacements(t, text, edits);
        if (catalog is not null) ColumnReplacements(t, catalog, edits);
        return ToMutants(t, edits, firstId: 1);
    }

    /// <summary>
    /// The edits as mutants numbered from <paramref name="firstId"/>: an edit that changes nothing or repeats
    /// an earlier one is left out, and each carries the line its span starts on.
    /// </summary>
    public static IReadOnlyList<Mutant> ToMutants(TransformationAnalysis t, IEnumerable<(string Op, int Start, int Length, string Replacement)> edits, int firstId)
    {
        var text = t.Document.Text;
        var result = new List<Mutant>();
        var seen = new HashSet<(int, int, string)>();
        foreach (var (op, start, length, replacement) in edits)
        {
            var original = text.Substring(start, length);
            if (original == replacement || !seen.Add((start, length, replacement))) continue;
            var line = 1 + text.AsSpan(0, start).Count('\n');
            result.Add(new Mutant(firstId + result.Count, t.Transformation.Name, op, t.Transformation.File, line, start, length, original, replacement));
        }
        return result;
    }

    /// <summary>
    /// Column replaced by another of the same alias: in an equality between two columns, the second
    /// column becomes another column the code uses with the same alias (a wrong join key).
    /// </summary>
    private static void JoinKeyReplacements(TransformationAnalysis t, string text, List<(string, int, int, string)> edits)
    {
        var collector = new ColumnCollector();
        foreach (var f in t.Syntax.Body) f.Accept(collector);
        var byAlias = collector.Columns
            .Where(c => c.MultiPartIdentifier is { Count: 2 })
            .GroupBy(c => c.MultiPartIdentifier.Identifiers[0].Value, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Select(c => c.MultiPartIdentifier.Identifiers[1].Value).Distinct(StringComparer.OrdinalIgnoreCase).ToList(), StringComparer.OrdinalIgnoreCase);
        foreach (var eq in collector.Equalities)
        {
            if (eq.SecondExpression is not ColumnReferenceExpression { MultiPartIdentifier.Count: 2 } right) continue;
            if (eq.FirstExpression is not ColumnReferenceExpression) continue;
            var alias = right.MultiPartIdentifier.Identifiers[0].Value;
            var name = right.MultiPartIdentifier.Identifiers[1].Value;
            var others = byAlias.GetValueOrDefault(alias)?.Where(o => !o.Equals(name, StringComparison.OrdinalIgnoreCase)
                && (o.EndsWith("Code", StringComparison.OrdinalIgnoreCase) == name.EndsWith("Code", StringComparison.OrdinalIgnoreCase))).Take(2) ?? Enumerable.Empty<string>();
            foreach (var o in others)
                edits.Add(("join key replaced", right.StartOffset, right.FragmentLength, $"{alias}.[{o}]"));
        }
    }

    /// <summary>
    /// Column replaced by another of the same type: a column that is a whole value of a SELECT list,
    /// a SET clause or an INSERT VALUES row becomes another column of the same alias whose type has
    /// the same name (swapped columns, the wrong attribute copied). Types come from the tables the
    /// alias stands for, or, for #temp tables and CTEs, from a catalog table the code uses that has
    /// a column of that name.
    /// </summary>
    private static void ColumnReplacements(TransformationAnalysis t, SchemaCatalog catalog, List<(string, int, int, string)> edits)
    {
        var collector = new ColumnCollector();
        foreach (var f in t.Syntax.Body) f.Accept(collector);
        var used = t.Transformation.Reads.Concat(t.Transformation.Writes).Distinct().Select(catalog.Find).OfType<TableDef>().ToList();
        SqlType? TypeOf(string alias, string column)
        {
            foreach (var table in collector.Aliases.GetValueOrDefault(alias) ?? new List<QualifiedName>())
                if (catalog.Find(table)?.FindColumn(column) is { } c) return c.Type;
            foreach (var table in used)
                if (table.FindColumn(column) is { } c) return c.Type;
            return null;
        }
        var byAlias = collector.Columns
            .Where(c => c.MultiPartIdentifier is { Count: 2 })
            .GroupBy(c => c.MultiPartIdentifier.Identifiers[0].Value, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Select(c => c.MultiPartIdentifier.Identifiers[1].Value).Distinct(StringComparer.OrdinalIgnoreCase).ToList(), StringComparer.OrdinalIgnoreCase);
        foreach (var value in collector.Values)
        {
            if (value.MultiPartIdentifier is not { Count: 2 } id) continue;
            var alias = id.Identifiers[0].Value;
            var name = id.Identifiers[1].Value;
            if (TypeOf(alias, name) is not { } type) continue;
            var others = (byAlias.GetValueOrDefault(alias) ?? new List<string>())
                .Where(o => !o.Equals(name, StringComparison.OrdinalIgnoreCase) && TypeOf(alias, o) is { } ot && string.Equals(ot.Name, type.Name, StringComparison.OrdinalIgnoreCase))
                .Take(2);
            foreach (var o in others)
                edits.Add(("column replaced", value.StartOffset, value.FragmentLength, $"{alias}.[{o}]"));
        }
    }

    private sealed class ColumnCollector : TSqlFragmentVisitor
    {
        /// <summary>Alias (or table name) → the catalog tables it stands for.</summary>
        public Dictionary<string, List<QualifiedName>> Aliases { get; } = new(StringComparer.OrdinalIgnoreCase);
        /// <summary>Columns that are a whole value: a SELECT list element, a SET clause's value, an INSERT VALUES cell.</summary>
        public List<ColumnReferenceExpression> Values { get; } = new();
        public override void Visit(NamedTableReference node)
        {
            var name = DdlReaderName(node.SchemaObject);
            var key = node.Alias?.Value ?? node.SchemaObject.BaseIdentifier.Value;
            if (!Aliases.TryGetValue(key, out var list)) Aliases[key] = list = new List<QualifiedName>();
            if (!list.Contains(name)) list.Add(name);
        }
        public override void Visit(SelectScalarExpression node) { if (node.Expression is ColumnReferenceExpression c) Values.Add(c); }
        public override void Visit(AssignmentSetClause node) { if (node.NewValue is ColumnReferenceExpression c) Values.Add(c); }
        public override void Visit(RowValue node) { foreach (var v in node.ColumnValues) if (v is ColumnReferenceExpression c) Values.Add(c); }
        private static QualifiedName DdlReaderName(SchemaObjectName n) => new(n.SchemaIdentifier?.Value ?? "dbo", n.BaseIdentifier.Value);
        public List<ColumnReferenceExpression> Columns { get; } = new();
        public List<BooleanComparisonExpression> Equalities { get; } = new();
        public override void Visit(ColumnReferenceExpression node) => Columns.Add(node);
        public override void Visit(BooleanComparisonExpression node)
        {
            if (node.ComparisonType == BooleanComparisonType.Equals) Equalities.Add(node);
        }
    }

    private sealed class Visitor(string text, List<(string, int, int, string)> edits) : TSqlFragmentVisitor
    {
        private static string Span(string text, TSqlFragment f) => text.Substring(f.StartOffset, f.FragmentLength);

        private void Replace(string op, TSqlFragment f, string replacement) => edits.Add((op, f.StartOffset, f.FragmentLength, replacement));

        /// <summary>The operator token between two operands: (start, length) in the text.</summary>
        private (int, int)? Between(TSqlFragment left, TSqlFragment right, string token)
        {
            int from = left.StartOffset + left.FragmentLength, to = right.StartOffset;
            if (from < 0 || to <= from) return null;
            var gap = text.Substring(from, to - from);
            var i = gap.IndexOf(token, StringComparison.OrdinalIgnoreCase);
            return i < 0 ? null : (from + i, token.Length);
        }

        public override void Visit(BooleanComparisonExpression node)
        {
            var (token, alternatives) = node.ComparisonType switch
            {
                BooleanComparisonType.Equals => ("=", new[] { "<>" }),
                BooleanComparisonType.NotEqualToBrackets => ("<>", new[] { "=" }),
                BooleanComparisonType.NotEqualToExclamation => ("!=", new[] { "=" }),
                BooleanComparisonType.GreaterThan => (">", new[] { ">=", "<" }),
                BooleanComparisonType.GreaterThanOrEqualTo => (">=", new[] { ">", "<" }),
                BooleanComparisonType.LessThan => ("<", new[] { "<=", ">" }),
                BooleanComparisonType.LessThanOrEqualTo => ("<=", new[] { "<", ">" }),
                _ => ("", Array.Empty<string>()),
            };
            if (token.Length == 0) return;
            var first = node.FirstExpression; var second = node.SecondExpression;
            // the operator is the first occurrence of its token after the first operand
            if (Between(first, second, token) is not { } at) return;
            foreach (var alt in alternatives) edits.Add(($"relational operator {token} → {alt}", at.Item1, at.Item2, alt));
        }

        public override void Visit(BooleanBinaryExpression node)
        {
            var (token, alt) = node.BinaryExpressionType == BooleanBinaryExpressionType.And ? ("AND", "OR") : ("OR", "AND");
            if (Between(node.FirstExpression, node.SecondExpression, token) is { } at)
                edits.Add(($"{token} → {alt}", at.Item1, at.Item2, alt));
            if (node.BinaryExpressionType == BooleanBinaryExpressionType.And)
            {
                Replace("predicate removed", node.FirstExpression, "1 = 1");
                Replace("predicate removed", node.SecondExpression, "1 = 1");
            }
            else
            {
                Replace("predicate removed", node.FirstExpression, "1 = 0");
                Replace("predicate removed", node.SecondExpression, "1 = 0");
            }
        }

        public override void Visit(BooleanNotExpression node) => Replace("NOT removed", node, Span(text, node.Expression));

        public override void Visit(BooleanIsNullExpression node)
        {
            var s = Span(text, node);
            var m = System.Text.RegularExpressions.Regex.Match(s, @"IS\s+(NOT\s+)?NULL\s*$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
            if (!m.Success) return;
            var flipped = s[..m.Index] + (node.IsNot ? "IS NULL" : "IS NOT NULL");
            Replace(node.IsNot ? "IS NOT NULL → IS NULL" : "IS NULL → IS NOT NULL", node, flipped);
        }

        public override void Visit(WhereClause node)
        {
            if (node.SearchCondition is { } c) Replace("WHERE negated", c, $"NOT ({Span(text, c)})");
        }

        public override void Visit(QualifiedJoin node)
        {
            var (token, alts) = node.QualifiedJoinType switch
            {
                QualifiedJoinType.Inner => ("JOIN", new[] { ("LEFT JOIN", "INNER JOIN → LEFT JOIN") }),
                QualifiedJoinType.LeftOuter => ("LEFT", new[] { ("INNER", "LEFT JOIN → INNER JOIN") }),
                QualifiedJoinType.RightOuter => ("RIGHT", new[] { ("LEFT", "RIGHT JOIN → LEFT JOIN"), ("INNER", "RIGHT JOIN → INNER JOIN") }),
                _ => ("", Array.Empty<(string, string)>()),
            };
            if (token.Length == 0) return;
            if (Between(node.FirstTableReference, node.SecondTableReference, "INNER") is { } inner && node.QualifiedJoinType == QualifiedJoinType.Inner)
            {
                edits.Add(("INNER JOIN → LEFT JOIN", inner.Item1, inner.Item2, "LEFT"));
                return;
            }
            if (Between(node.FirstTableReference, node.SecondTableReference, token) is { } at)
                foreach (var (alt, op) in alts) edits.Add((op, at.Item1, at.Item2, alt));
        }

        public override void Visit(FunctionCall node)
        {
            var name = node.FunctionName.Value.ToUpperInvariant();
            if (name is "ISNULL" or "COALESCE" && node.Parameters.Count >= 2)
                Replace($"{name} fallback dropped", node, Span(text, node.Parameters[0]));
            var swap = name switch { "MAX" => "MIN", "MIN" => "MAX", "SUM" => "MAX", "AVG" => "SUM", "COUNT" => null, _ => null };
            if (swap is not null) edits.Add(($"aggregate {name} → {swap}", node.FunctionName.StartOffset, node.FunctionName.FragmentLength, swap));
            if (name == "NULLIF" && node.Parameters.Count == 2) Replace("NULLIF removed", node, Span(text, node.Parameters[0]));
        }

        /// <summary>CASE branch swap: the results of two neighbouring WHEN clauses, and of the last WHEN and the ELSE, exchanged.</summary>
        public override void Visit(SearchedCaseExpression node) =>
            SwapBranches(node.WhenClauses.Select(w => (TSqlFragment)w.ThenExpression).ToList(), node.ElseExpression);

        public override void Visit(SimpleCaseExpression node) =>
            SwapBranches(node.WhenClauses.Select(w => (TSqlFragment)w.ThenExpression).ToList(), node.ElseExpression);

        public override void Visit(IIfCall node) => Swap(node.ThenExpression, node.ElseExpression);

        private void SwapBranches(List<TSqlFragment> results, TSqlFragment? otherwise)
        {
            for (int i = 0; i + 1 < results.Count; i++) Swap(results[i], results[i + 1]);
            if (otherwise is not null && results.Count > 0) Swap(results[^1], otherwise);
        }

        private void Swap(TSqlFragment first, TSqlFragment second)
        {
            int start = first.StartOffset, mid = first.StartOffset + first.FragmentLength, end = second.StartOffset + second.FragmentLength;
            if (start < 0 || second.StartOffset < mid) return;
            var a = Span(text, first);
            var b = Span(text, second);
            if (string.Equals(a, b, StringComparison.Ordinal)) return;
            edits.Add(("CASE branches swapped", start, end - start, b + text[mid..second.StartOffset] + a));
        }

        public override void Visit(CoalesceExpression node)
        {
            if (node.Expressions.Count >= 2) Replace("COALESCE fallback dropped", node, Span(text, node.Expressions[0]));
        }

        private readonly HashSet<int> _typeArguments = new();

        public override void Visit(SqlDataTypeReference node)
        {
            foreach (var p in node.Parameters) _typeArguments.Add(p.StartOffset);
        }

        public override void Visit(IntegerLiteral node)
        {
            if (_typeArguments.Contains(node.StartOffset)) return;
            if (!long.TryParse(node.Value, out var n)) return;
            Replace("constant + 1", node, (n + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (n > 0) Replace("constant - 1", node, (n - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        public override void Visit(QuerySpecification node)
        {
            var s = Span(text, node);
            if (node.UniqueRowFilter == UniqueRowFilter.Distinct)
            {
                var m = System.Text.RegularExpressions.Regex.Match(s, @"^SELECT\s+DISTINCT\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
                if (m.Success) edits.Add(("DISTINCT removed", node.StartOffset, m.Length, "SELECT"));
            }
            else if (node.SelectElements.Count > 0 && node.SelectElements[0] is SelectScalarExpression && s.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) && node.TopRowFilter is null && node.FromClause is not null)
                edits.Add(("DISTINCT added", node.StartOffset, 6, "SELECT DISTINCT"));
        }

        public override void Visit(ExpressionWithSortOrder node)
        {
            var s = Span(text, node);
            if (node.SortOrder == SortOrder.Descending && s.EndsWith("DESC", StringComparison.OrdinalIgnoreCase))
                Replace("ORDER BY DESC → ASC", node, s[..^4] + "ASC");
            else if (node.SortOrder == SortOrder.Ascending && s.EndsWith("ASC", StringComparison.OrdinalIgnoreCase))
                Replace("ORDER BY ASC → DESC", node, s[..^3] + "DESC");
            else if (node.SortOrder == SortOrder.NotSpecified)
                Replace("ORDER BY ASC → DESC", node, s + " DESC");
        }

        public override void Visit(TopRowFilter node)
        {
            if (node.Expression is IntegerLiteral) return; // constant ±1 covers it
        }

        public override void Visit(MergeActionClause node) => Replace("MERGE clause deleted", node, "");

        public override void Visit(UpdateSpecification node)
        {
            if (node.SetClauses.Count > 1)
                for (int i = 0; i < node.SetClauses.Count; i++)
                {
                    // delete the clause with the comma that separates it from its neighbour
                    var c = node.SetClauses[i];
                    int start, end;
                    if (i < node.SetClauses.Count - 1) { start = c.StartOffset; end = node.SetClauses[i + 1].StartOffset; }
                    else { var prev = node.SetClauses[i - 1]; start = prev.StartOffset + prev.FragmentLength; end = c.StartOffset + c.FragmentLength; }
                    edits.Add(("SET clause deleted", start, end - start, ""));
                }
        }

        public override void Visit(StatementList node)
        {
            foreach (var s in node.Statements)
            {
                if (s is InsertStatement or UpdateStatement or DeleteStatement or MergeStatement or ExecuteStatement or SetVariableStatement
                    or ThrowStatement or RaiseErrorStatement or ReturnStatement or IfStatement or SelectStatement)
                {
                    if (s is SelectStatement sel && sel.Into is null && sel.QueryExpression is QuerySpecification q && q.SelectElements.All(e => e is not SelectSetVariable)) continue;
                    Replace("statement deleted", s, "SET NOCOUNT ON;");
                }
            }
        }
    }
}
