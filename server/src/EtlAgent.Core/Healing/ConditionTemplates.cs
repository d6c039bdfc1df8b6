using System.Text;
using System.Text.RegularExpressions;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Healing;

/// <summary>
/// Repairs of a condition that tests the wrong thing, on a suspect statement:
/// a comparison turned around (&lt; ↔ &gt;, &lt;= ↔ &gt;=, = ↔ &lt;&gt;, IS NULL ↔ IS NOT NULL), and a condition that
/// tests nothing (two constants compared: 1 = 1, 1 = 0) where a lost condition belongs — in a
/// join's ON the equality of a column the two tables both have (their keys first); in the WHERE of
/// a lookup of one table, the condition the procedure's other statements use on that table, or
/// (in an existence check of a table the procedure inserts into) the match of every value it inserts.
/// </summary>
public static class ConditionTemplates
{
    /// <summary>Comparisons turned around: a fault that flips a comparison is undone by flipping it back.</summary>
    public static IReadOnlyList<RepairCandidate> TurnedAround(TransformationAnalysis t, SuspectStatement suspect)
    {
        if (!t.HasSyntax || suspect.File != t.Transformation.File) return Array.Empty<RepairCandidate>();
        var v = new Turned(t, suspect);
        foreach (var f in t.Syntax.Body) f.Accept(v);
        return v.Candidates;
    }

    /// <summary>A constant condition in place of a lost one, replaced by a condition the code or the schema suggests.</summary>
    public static IReadOnlyList<RepairCandidate> LostCondition(TransformationAnalysis t, SchemaCatalog catalog, SuspectStatement suspect)
    {
        if (!t.HasSyntax || suspect.File != t.Transformation.File) return Array.Empty<RepairCandidate>();
        var result = new List<RepairCandidate>();
        foreach (var statement in ReplacedColumnTemplate.ProcedureStatementsIn(t, suspect))
        {
            var v = new Lost(t, catalog, AliasColumns.Of(statement, catalog), suspect, result);
            statement.Accept(v);
        }
        return result.DistinctBy(c => (c.Edits[0].Range.StartOffset, c.Edits[0].NewText)).ToList();
    }

    private static int End(TSqlFragment f) => f.StartOffset + f.FragmentLength;

    private static string Short(string code)
    {
        var s = Regex.Replace(code, @"\s+", " ").Trim();
        return s.Length <= 50 ? s : s[..47] + "…";
    }

    private sealed class Turned(TransformationAnalysis t, SuspectStatement suspect) : TSqlFragmentVisitor
    {
        private readonly string _text = t.Document.Text;
        public List<RepairCandidate> Candidates { get; } = new();
        private bool Inside(TSqlFragment f) => f.StartOffset >= 0 && suspect.Contains(f.StartOffset, f.FragmentLength);

        public override void Visit(BooleanComparisonExpression node)
        {
            if (!Inside(node)) return;
            var (token, other, bugClass) = node.ComparisonType switch
            {
                BooleanComparisonType.LessThan => ("<", ">", HealClasses.Filter),
                BooleanComparisonType.GreaterThan => (">", "<", HealClasses.Filter),
                BooleanComparisonType.LessThanOrEqualTo => ("<=", ">=", HealClasses.Filter),
                BooleanComparisonType.GreaterThanOrEqualTo => (">=", "<=", HealClasses.Filter),
                BooleanComparisonType.Equals => ("=", "<>", HealClasses.Filter),
                BooleanComparisonType.NotEqualToBrackets => ("<>", "=", HealClasses.Filter),
                BooleanComparisonType.NotEqualToExclamation => ("!=", "=", HealClasses.Filter),
                _ => (null, null, null),
            };
            if (token is null || IsConstant(node)) return;
            int from = End(node.FirstExpression), to = node.SecondExpression.StartOffset;
            if (from < 0 || to <= from) return;
            int at = _text.IndexOf(token, from, to - from, StringComparison.Ordinal);
            if (at < 0) return;
            var a = _text.Substring(node.FirstExpression.StartOffset, node.FirstExpression.FragmentLength);
            var b = _text.Substring(node.SecondExpression.StartOffset, node.SecondExpression.FragmentLength);
            Candidates.Add(new RepairCandidate(HealKinds.Code, bugClass!, $"turn the comparison around: {Short(a)} {token} {Short(b)} → {other}",
                new[] { SpanEdits.Replace(t.Transformation.File, _text, at, at + token.Length, other!) }, "template"));
        }

        public override void Visit(BooleanIsNullExpression node)
        {
            if (!Inside(node)) return;
            int from = End(node.Expression), to = End(node);
            var m = Regex.Match(_text[from..to], node.IsNot ? @"IS\s+NOT\s+NULL" : @"IS\s+NULL", RegexOptions.IgnoreCase);
            if (!m.Success) return;
            var other = node.IsNot ? "IS NULL" : "IS NOT NULL";
            var what = _text.Substring(node.Expression.StartOffset, node.Expression.FragmentLength);
            Candidates.Add(new RepairCandidate(HealKinds.Code, HealClasses.NullUnsafeComparison, $"turn the NULL test around: {Short(what)} {other}",
                new[] { SpanEdits.Replace(t.Transformation.File, _text, from + m.Index, from + m.Index + m.Length, other) }, "template"));
        }
    }

    /// <summary>Two constants compared: a condition that tests nothing.</summary>
    internal static bool IsConstant(BooleanComparisonExpression node) => node.FirstExpression is Literal && node.SecondExpression is Literal;

    private sealed class Lost(TransformationAnalysis t, SchemaCatalog catalog, AliasColumns scope, SuspectStatement suspect, List<RepairCandidate> result) : TSqlFragmentVisitor
    {
        private readonly string _text = t.Document.Text;
        private readonly string _file = t.Transformation.File;
        private const int PerPlaceholder = 4;

        private void Add(string title, BooleanComparisonExpression placeholder, string condition)
        {
            if (suspect.Contains(placeholder.StartOffset, placeholder.FragmentLength)) result.Add(new RepairCandidate(HealKinds.Code, HealClasses.Filter, title,
                new[] { SpanEdits.Replace(_file, _text, placeholder.StartOffset, End(placeholder), condition) }, "template"));
        }

        public override void Visit(QualifiedJoin node)
        {
            if (node.SearchCondition is null || node.SecondTableReference is not NamedTableReference joined) return;
            foreach (var placeholder in Placeholders(node.SearchCondition))
            {
                var b = joined.Alias?.Value ?? joined.SchemaObject.BaseIdentifier.Value;
                var keys = catalog.Find(AliasColumns.NameOf(joined.SchemaObject)) is { } table ? table.Keys.SelectMany(k => k.Columns).ToHashSet(StringComparer.OrdinalIgnoreCase) : new HashSet<string>();
                var pairs = new List<(string A, string Column)>();
                foreach (var other in NamedTables(node.FirstTableReference))
                {
                    var a = other.Alias?.Value ?? other.SchemaObject.BaseIdentifier.Value;
                    foreach (var c in scope.Columns(b).Where(c => scope.Has(a, c))) pairs.Add((a, c));
                }
                foreach (var (a, c) in pairs.OrderBy(p => keys.Contains(p.Column) ? 0 : 1).ThenBy(p => p.Column.EndsWith("Key", StringComparison.OrdinalIgnoreCase) || p.Column.EndsWith("Code", StringComparison.OrdinalIgnoreCase) || p.Column.EndsWith("ID", StringComparison.OrdinalIgnoreCase) ? 0 : 1).Take(PerPlaceholder))
                    Add($"join on the column both tables have: {b}.[{c}] = {a}.[{c}]", placeholder, $"{b}.[{c}] = {a}.[{c}]");
            }
        }

        public override void Visit(QuerySpecification node)
        {
            if (node.WhereClause?.SearchCondition is not { } where || node.FromClause?.TableReferences is not [NamedTableReference only]) return;
            var placeholders = Placeholders(where).ToList();
            if (placeholders.Count == 0) return;
            var table = AliasColumns.NameOf(only.SchemaObject);
            var prefix = only.Alias is { } alias ? alias.Value + "." : "";
            var conditions = new List<(string Title, string Condition)>();
            // an existence check of a table the procedure inserts into: the row it would insert
            // (a match the condition already makes is not repeated)
            var conjuncts = Conjuncts(where).ToList();
            var present = conjuncts.Select(c => Plain(_text.Substring(c.StartOffset, c.FragmentLength))).ToHashSet(StringComparer.Ordinal);
            // laid out as the condition lays out its own conjuncts (one a line when it writes them so)
            var separator = conjuncts.Count >= 2 && End(conjuncts[0]) <= conjuncts[1].StartOffset && _text[End(conjuncts[0])..conjuncts[1].StartOffset] is var between
                && Regex.IsMatch(between, @"^\s*AND\s*$", RegexOptions.IgnoreCase) ? between : " AND ";
            foreach (var values in InsertedValues(table))
                conditions.Add(($"look for the row the procedure inserts into {table}", string.Join(separator, values
                    .Where(v => !present.Contains(Plain($"[{v.Column}] = {v.Value}")) && !present.Contains(Plain($"{prefix}[{v.Column}] = {v.Value}")))
                    .Select(v => $"{prefix}[{v.Column}] = {v.Value}"))));
            // the conditions the procedure's other statements put on the same table
            foreach (var other in OtherConditions(table, node).Where(o => o.Length > 0).Select(o => Requalify(o, prefix)))
                conditions.Add(($"filter {table} as the procedure's other statements do: {Short(other)}", other));
            foreach (var placeholder in placeholders)
                foreach (var (title, condition) in conditions.Where(c => c.Condition.Length > 0).DistinctBy(c => c.Condition).Take(PerPlaceholder))
                    Add(title, placeholder, Regex.IsMatch(condition, @"\bOR\b", RegexOptions.IgnoreCase) ? $"({condition})" : condition);
        }

        private static IEnumerable<BooleanExpression> Conjuncts(BooleanExpression e) => e switch
        {
            BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.And } b => Conjuncts(b.FirstExpression).Concat(Conjuncts(b.SecondExpression)),
            BooleanParenthesisExpression p => Conjuncts(p.Expression),
            _ => new[] { e },
        };

        /// <summary>A condition's text without spaces, brackets or case, to tell two spellings of one condition apart from two conditions.</summary>
        private static string Plain(string condition) => Regex.Replace(condition, @"[\s\[\]]", "").ToLowerInvariant();

        private static IEnumerable<BooleanComparisonExpression> Placeholders(BooleanExpression condition)
        {
            var finder = new ConstantFinder();
            condition.Accept(finder);
            return finder.Found;
        }

        private sealed class ConstantFinder : TSqlFragmentVisitor
        {
            public List<BooleanComparisonExpression> Found { get; } = new();
            public override void Visit(BooleanComparisonExpression node) { if (IsConstant(node)) Found.Add(node); }
            public override void ExplicitVisit(ScalarSubquery node) { }
        }

        private static IEnumerable<NamedTableReference> NamedTables(TableReference r) => r switch
        {
            NamedTableReference n => new[] { n },
            JoinTableReference j => NamedTables(j.FirstTableReference).Concat(NamedTables(j.SecondTableReference)),
            JoinParenthesisTableReference p => NamedTables(p.Join),
            _ => Array.Empty<NamedTableReference>(),
        };

        /// <summary>Each INSERT … VALUES of one row into <paramref name="table"/> in the procedure: its columns paired with values that read no column.</summary>
        private IEnumerable<List<(string Column, string Value)>> InsertedValues(QualifiedName table)
        {
            var inserts = new InsertFinder();
            foreach (var f in t.Syntax.Body) f.Accept(inserts);
            foreach (var insert in inserts.Found)
            {
                if (insert.Target is not NamedTableReference target || AliasColumns.NameOf(target.SchemaObject) != table) continue;
                if (insert.InsertSource is not ValuesInsertSource { RowValues: [var row] } || row.ColumnValues.Count != insert.Columns.Count) continue;
                var pairs = new List<(string, string)>();
                for (int i = 0; i < insert.Columns.Count; i++)
                {
                    var refs = new ColumnFinder();
                    row.ColumnValues[i].Accept(refs);
                    if (refs.Any || insert.Columns[i].MultiPartIdentifier?.Identifiers.LastOrDefault()?.Value is not { } column) { pairs.Clear(); break; }
                    pairs.Add((column, _text.Substring(row.ColumnValues[i].StartOffset, row.ColumnValues[i].FragmentLength)));
                }
                if (pairs.Count > 0) yield return pairs;
            }
        }

        /// <summary>The WHERE conditions of the procedure's other statements that read or change only <paramref name="table"/>, with their alias (if any).</summary>
        private IEnumerable<string> OtherConditions(QualifiedName table, QuerySpecification self)
        {
            var finder = new SingleTableConditions(catalog, table, self);
            foreach (var f in t.Syntax.Body) f.Accept(finder);
            return finder.Found.Select(x => Unqualified(x.Condition, x.Alias));
        }

        /// <summary>The condition's text with its column references unqualified (the caller qualifies them again).</summary>
        private string Unqualified(BooleanExpression condition, string? alias)
        {
            var refs = new ColumnFinder();
            condition.Accept(refs);
            if (refs.Found.Any(r => r.MultiPartIdentifier?.Identifiers.Count > 2 || (r.MultiPartIdentifier?.Identifiers.Count == 2 && !string.Equals(r.MultiPartIdentifier.Identifiers[0].Value, alias, StringComparison.OrdinalIgnoreCase))))
                return ""; // it reads another table: not a condition on this one alone
            var sb = new StringBuilder();
            int at = condition.StartOffset;
            foreach (var r in refs.Found.OrderBy(r => r.StartOffset))
            {
                sb.Append(_text, at, r.StartOffset - at);
                sb.Append('\u0001').Append('[').Append(r.MultiPartIdentifier.Identifiers[^1].Value).Append(']');
                at = End(r);
            }
            sb.Append(_text, at, End(condition) - at);
            return sb.ToString();
        }

        private static string Requalify(string condition, string prefix) => condition.Replace("\u0001", prefix, StringComparison.Ordinal);
    }

    private sealed class InsertFinder : TSqlFragmentVisitor
    {
        public List<InsertSpecification> Found { get; } = new();
        public override void Visit(InsertSpecification node) => Found.Add(node);
    }

    private sealed class ColumnFinder : TSqlFragmentVisitor
    {
        public List<ColumnReferenceExpression> Found { get; } = new();
        public bool Any => Found.Count > 0;
        public override void Visit(ColumnReferenceExpression node) => Found.Add(node);
    }

    /// <summary>WHERE conditions of UPDATE, DELETE and SELECT statements whose one table is the given one (other than <c>self</c>), without constant placeholders.</summary>
    private sealed class SingleTableConditions(SchemaCatalog catalog, QualifiedName table, QuerySpecification self) : TSqlFragmentVisitor
    {
        public List<(BooleanExpression Condition, string? Alias)> Found { get; } = new();

        private bool Is(TableReference? r, out string? alias)
        {
            alias = null;
            if (r is not NamedTableReference n || catalog.Find(AliasColumns.NameOf(n.SchemaObject))?.Name is not { } name || catalog.Find(table)?.Name != name) return false;
            alias = n.Alias?.Value ?? n.SchemaObject.BaseIdentifier.Value;
            return true;
        }

        private void Take(WhereClause? where, string? alias)
        {
            if (where?.SearchCondition is not { } c) return;
            var constants = new List<BooleanComparisonExpression>();
            var finder = new Constants(constants);
            c.Accept(finder);
            if (constants.Count == 0) Found.Add((c, alias));
        }

        private sealed class Constants(List<BooleanComparisonExpression> found) : TSqlFragmentVisitor
        {
            public override void Visit(BooleanComparisonExpression node) { if (IsConstant(node)) found.Add(node); }
        }

        public override void Visit(QuerySpecification node)
        {
            if (ReferenceEquals(node, self) || node.FromClause?.TableReferences is not [var only]) return;
            if (Is(only, out var alias)) Take(node.WhereClause, alias);
        }

        public override void Visit(UpdateSpecification node)
        {
            if (node.FromClause is null && Is(node.Target, out var alias)) Take(node.WhereClause, alias);
        }

        public override void Visit(DeleteSpecification node)
        {
            if (node.FromClause is null && Is(node.Target, out var alias)) Take(node.WhereClause, alias);
        }
    }
}
