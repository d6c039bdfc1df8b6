using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Lineage;

// Key sources: where the keys of a #temp table come from, as rows of one table that pass a filter. A group-key
// table filled with `SELECT DISTINCT m.k ... FROM Obs AS m LEFT JOIN ... WHERE <filter>` has a row for each k of
// the rows of Obs that pass the filter (it covers them); a table of ids selected from Obs with that filter and
// more conditions holds only such keys (they lie within them). A LEFT JOIN of the ids to the group table then
// finds a match for each id that is not NULL. The facts are kept among the flow facts (see CoverageEntry), so
// branches, loops and calls treat them as they treat columns; a write to the source table (or to a table a
// source view copies a column from), an assignment of a variable the filter names, or a write to the key
// column ends them. Only a view's copied columns name its tables: a write to a table it only joins is not seen.
public sealed partial class LineageAnalyzer
{
    /// <summary>
    /// The conditions every row passing a filter on one table meets: AND-ed conditions rendered with their columns
    /// unqualified, and for `c = literal` or `c IN (literals)` the values c may take.
    /// </summary>
    private sealed record RowFilter(SortedSet<string> Conditions, SortedDictionary<string, SortedSet<string>> Values)
    {
        public static RowFilter None => new(new SortedSet<string>(StringComparer.Ordinal), new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal));

        /// <summary>Whether every row passing this filter passes <paramref name="other"/>.</summary>
        public bool Implies(RowFilter other) =>
            other.Conditions.All(Conditions.Contains) &&
            other.Values.All(v => Values.TryGetValue(v.Key, out var mine) && mine.IsSubsetOf(v.Value));

        /// <summary>What rows passing either filter have in common (the branches of a UNION).</summary>
        public RowFilter Or(RowFilter other)
        {
            var values = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            foreach (var (column, set) in Values)
                if (other.Values.TryGetValue(column, out var theirs)) values[column] = new SortedSet<string>(set.Union(theirs), StringComparer.Ordinal);
            return new RowFilter(new SortedSet<string>(Conditions.Where(other.Conditions.Contains), StringComparer.Ordinal), values);
        }

        public string Encode() => string.Join('\u0003',
            Conditions.Select(c => "t" + c).Concat(Values.Select(v => "v" + v.Key + "\u0004" + string.Join('\u0004', v.Value))));

        public static RowFilter Decode(string text)
        {
            var conditions = new SortedSet<string>(StringComparer.Ordinal);
            var values = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            foreach (var part in text.Split('\u0003', StringSplitOptions.RemoveEmptyEntries))
            {
                if (part[0] == 't') { conditions.Add(part[1..]); continue; }
                var pieces = part[1..].Split('\u0004');
                values[pieces[0]] = new SortedSet<string>(pieces.Skip(1), StringComparer.Ordinal);
            }
            return new RowFilter(conditions, values);
        }
    }

    /// <summary>Column <paramref name="Column"/> of the rows of <paramref name="Table"/> that pass <paramref name="Filter"/>.</summary>
    private sealed record KeySource(string Table, string Column, RowFilter Filter);

    /// <summary>What is known of one output column of a query: the key sources its values lie within, and those it covers.</summary>
    private sealed record KeyFacts(List<KeySource> Within, List<KeySource> Covers)
    {
        public static readonly KeyFacts None = new(new List<KeySource>(), new List<KeySource>());
    }

    private readonly Dictionary<QueryExpression, List<KeyFacts>> _queryKeys = new();

    /// <summary>A CTE's output columns' key facts, by CTE name (set when the statement's CTEs are read).</summary>
    private readonly Dictionary<string, Dictionary<string, KeyFacts>> _cteKeys = new(StringComparer.OrdinalIgnoreCase);

    private const char KeyMark = '\u0002';

    private static string KeyEntry(char kind, string column, KeySource source) =>
        $"{KeyMark}{kind}{KeyMark}{column.ToLowerInvariant()}{KeyMark}{source.Table}{KeyMark}{source.Column.ToLowerInvariant()}{KeyMark}{source.Filter.Encode()}";

    /// <summary>The key sources of <paramref name="kind"/> ('W' within, 'C' covers) recorded for a column of a table.</summary>
    private IEnumerable<KeySource> KeySources(QualifiedName table, char kind, string column)
    {
        var name = Canonical(table);
        var prefix = $"{KeyMark}{kind}{KeyMark}{column.ToLowerInvariant()}{KeyMark}";
        foreach (var (key, entries) in _notNull)
        {
            if (Canonical(key) != name) continue;
            foreach (var e in entries)
            {
                if (!e.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
                var parts = e.Split(KeyMark);
                if (parts.Length == 6) yield return new KeySource(parts[3], parts[4], RowFilter.Decode(parts[5]));
            }
        }
    }

    private static QueryExpression Unparen(QueryExpression q)
    {
        while (q is QueryParenthesisExpression p) q = p.QueryExpression;
        return q;
    }

    private KeyFacts KeysOf(QueryExpression query, int index) =>
        _queryKeys.TryGetValue(Unparen(query), out var facts) && index < facts.Count ? facts[index] : KeyFacts.None;

    /// <summary>After a CTE is read: its columns' key facts, for the queries that read it.</summary>
    private void RecordCteKeys(string name, QueryExpression query, IReadOnlyList<string> names)
    {
        var columns = new Dictionary<string, KeyFacts>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < names.Count; i++) columns[names[i]] = KeysOf(query, i);
        _cteKeys[name] = columns;
    }

    /// <summary>
    /// After SELECT INTO (<paramref name="created"/>) or INSERT ... SELECT: the key sources the new rows' columns lie within
    /// (only when the statement made the table: older rows may come from anywhere) and those they cover (more rows cover as much).
    /// </summary>
    private void RecordKeys(QualifiedName table, IReadOnlyList<string> columns, QueryExpression query, bool created)
    {
        for (int i = 0; i < columns.Count; i++)
        {
            var facts = KeysOf(query, i);
            if (created) foreach (var s in facts.Within) SetNotNull(table, KeyEntry('W', columns[i], s), true);
            foreach (var s in facts.Covers) SetNotNull(table, KeyEntry('C', columns[i], s), true);
        }
    }

    /// <summary>The key facts of a UNION (ALL): what both branches' rows lie within.</summary>
    private void RecordUnionKeys(BinaryQueryExpression binary)
    {
        if (!_queryKeys.TryGetValue(Unparen(binary.FirstQueryExpression), out var left)) return;
        var result = new List<KeyFacts>();
        for (int i = 0; i < left.Count; i++)
        {
            var l = left[i];
            if (binary.BinaryQueryExpressionType != BinaryQueryExpressionType.Union) { result.Add(new KeyFacts(l.Within, new List<KeySource>())); continue; }
            var r = KeysOf(binary.SecondQueryExpression, i);
            var within = new List<KeySource>();
            foreach (var a in l.Within)
                foreach (var b in r.Within)
                    if (string.Equals(a.Table, b.Table, StringComparison.OrdinalIgnoreCase) && string.Equals(a.Column, b.Column, StringComparison.OrdinalIgnoreCase))
                        within.Add(a with { Filter = a.Filter.Or(b.Filter) });
            result.Add(new KeyFacts(within, new List<KeySource>()));
        }
        _queryKeys[binary] = result;
    }

    /// <summary>
    /// The key facts of a query's output column that copies a column: it lies within the rows of the first table of
    /// the FROM that pass the WHERE's conditions on that table (inner and outer joins after it add no row of another
    /// table), or within what a #temp table or CTE read first lies within; and it covers those rows when nothing but
    /// the WHERE drops any (only outer joins after the table, no TOP, OFFSET or HAVING) and the WHERE is all on it.
    /// </summary>
    private KeyFacts KeyFactsOf(ScalarExpression expression, QuerySpecification spec, QueryScope scope)
    {
        var e = expression;
        while (e is ParenthesisExpression p) e = p.Expression;
        return e is ColumnReferenceExpression { ColumnType: ColumnType.Regular, MultiPartIdentifier: not null } c && RelationOf(c, scope) is { } r
            ? KeyFactsOf(r, c.MultiPartIdentifier.Identifiers[^1].Value, spec, scope) : KeyFacts.None;
    }

    /// <summary>The key facts of column <paramref name="column"/> of <paramref name="r"/>, read as it is by the query (see above).</summary>
    private KeyFacts KeyFactsOf(Relation r, string column, QuerySpecification spec, QueryScope scope)
    {
        if (spec.FromClause is null || scope.Relations.Count == 0 || r is not { NullExtended: false, Table: { } table } || !ReferenceEquals(r, scope.Relations[0]))
            return KeyFacts.None;
        var steps = JoinTree.Walk(spec.FromClause);
        if (steps.OfType<JoinEnd>().Any(j => j.Join is not (QualifiedJoin { QualifiedJoinType: QualifiedJoinType.Inner or QualifiedJoinType.LeftOuter }
                or UnqualifiedJoin { UnqualifiedJoinType: UnqualifiedJoinType.CrossJoin or UnqualifiedJoinType.CrossApply or UnqualifiedJoinType.OuterApply })))
            return KeyFacts.None;
        var joined = JoinedWithin(r, column, steps, spec, scope);
        if (table.IsLocal) return new KeyFacts(KeySources(table, 'W', column).Concat(joined).ToList(), new List<KeySource>());
        if (IsCte(r, scope))
            return new KeyFacts((_cteKeys.TryGetValue(table.Name, out var cte) && cte.TryGetValue(column, out var facts) ? facts.Within : new List<KeySource>()).Concat(joined).ToList(),
                new List<KeySource>());
        if (r.Definition is null) return new KeyFacts(joined, new List<KeySource>());
        var name = Canonical(table).ToString();
        var within = FilterOf(spec.WhereClause?.SearchCondition, r, scope, complete: false, column);
        var result = new KeyFacts(new List<KeySource> { new(name, column, within!) }, new List<KeySource>());
        result.Within.AddRange(joined);
        bool keepsEveryRow = spec.FromClause.TableReferences.Count == 1 && spec.TopRowFilter is null && spec.OffsetClause is null &&
            spec.HavingClause is null && steps.OfType<JoinEnd>().All(j => j.Join is QualifiedJoin { QualifiedJoinType: QualifiedJoinType.LeftOuter }
                or UnqualifiedJoin { UnqualifiedJoinType: UnqualifiedJoinType.OuterApply });
        if (keepsEveryRow && FilterOf(spec.WhereClause?.SearchCondition, r, scope, complete: true) is { } all)
            result.Covers.Add(new KeySource(name, column, all));
        return result;
    }

    /// <summary>
    /// `FROM X INNER JOIN T ON T.c = X.k` (or the WHERE's `T.c = X.k`): every row's k is a c of T's rows, T read whole or
    /// as far as what T's c lies within. T must be a table or #temp table the query reads as it is (not NULL-extended).
    /// </summary>
    private List<KeySource> JoinedWithin(Relation r, string column, IReadOnlyList<JoinStep> steps, QuerySpecification spec, QueryScope scope)
    {
        var result = new List<KeySource>();
        var conditions = steps.OfType<JoinEnd>().Select(j => j.Join).OfType<QualifiedJoin>().Where(j => j.QualifiedJoinType == QualifiedJoinType.Inner)
            .SelectMany(j => Conjuncts(j.SearchCondition)).Concat(Conjuncts(spec.WhereClause?.SearchCondition));
        foreach (var condition in conditions)
        {
            if (condition is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq ||
                Unwrap(eq.FirstExpression) is not ColumnReferenceExpression { MultiPartIdentifier: not null } a ||
                Unwrap(eq.SecondExpression) is not ColumnReferenceExpression { MultiPartIdentifier: not null } b) continue;
            foreach (var (mine, theirs) in new[] { (a, b), (b, a) })
            {
                if (!ReferenceEquals(RelationOf(mine, scope), r) || !string.Equals(mine.MultiPartIdentifier.Identifiers[^1].Value, column, StringComparison.OrdinalIgnoreCase) ||
                    RelationOf(theirs, scope) is not { NullExtended: false, Table: { } other } o || ReferenceEquals(o, r) || IsCte(o, scope) ||
                    (!other.IsLocal && o.Definition is null)) continue;
                var otherColumn = theirs.MultiPartIdentifier.Identifiers[^1].Value;
                result.Add(new KeySource(Canonical(other).ToString(), otherColumn, RowFilter.None));
                if (other.IsLocal) result.AddRange(KeySources(other, 'W', otherColumn));
            }
        }
        return result;
    }

    /// <summary>
    /// The AND-ed conditions of <paramref name="where"/> on <paramref name="table"/> alone. With <paramref name="complete"/>, null
    /// when one is on anything else (another table, a variable assigned other than by SET); without, such a condition is left out,
    /// and so is an OR-ed branch that keeps only rows whose <paramref name="key"/> is NULL (what a key lies within is said of keys
    /// that are not NULL): `k IN (...) OR (k IS NULL AND ...)` counts as `k IN (...)`.
    /// </summary>
    private RowFilter? FilterOf(BooleanExpression? where, Relation table, QueryScope scope, bool complete, string? key = null)
    {
        var filter = new RowFilter(new SortedSet<string>(StringComparer.Ordinal), new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal));
        foreach (var condition in Conjuncts(where).SelectMany(c => complete || key is null ? new[] { c } : WithoutNullKeyBranches(c, table, scope, key)))
        {
            var parts = new ConditionParts();
            condition.Accept(parts);
            bool own = parts.Outer.All(c => ReferenceEquals(RelationOf(c, scope), table)) &&
                       parts.Nested.All(c => c.MultiPartIdentifier.Identifiers.Count == 1 ||
                           !scope.Relations.Any(o => !ReferenceEquals(o, table) && o.Matches(c.MultiPartIdentifier.Identifiers.Take(c.MultiPartIdentifier.Identifiers.Count - 1).Select(i => i.Value).ToList()))) &&
                       !parts.Variables.Any(_untrustedVariables.Contains);
            if (!own)
            {
                if (complete) return null;
                continue;
            }
            if (ValuesOf(condition) is { } values)
            {
                var (column, set) = values;
                if (filter.Values.TryGetValue(column, out var known)) known.IntersectWith(set);
                else filter.Values[column] = set;
            }
            else filter.Conditions.Add(Render(condition, parts));
        }
        return filter;
    }

    private static IEnumerable<BooleanExpression> WithoutNullKeyBranches(BooleanExpression condition, Relation table, QueryScope scope, string key)
    {
        var branches = Disjuncts(condition);
        if (branches.Count < 2) return new[] { condition };
        var kept = branches.Where(b => !Conjuncts(b).Any(c => c is BooleanIsNullExpression { IsNot: false } n && Unwrap(n.Expression) is ColumnReferenceExpression
            { MultiPartIdentifier: { } id } k && string.Equals(id.Identifiers[^1].Value, key, StringComparison.OrdinalIgnoreCase) && ReferenceEquals(RelationOf(k, scope), table))).ToList();
        return kept.Count == branches.Count ? new[] { condition } : kept.Count == 1 ? Conjuncts(kept[0]) : Array.Empty<BooleanExpression>();
    }

    private static IEnumerable<BooleanExpression> Conjuncts(BooleanExpression? e)
    {
        while (e is BooleanParenthesisExpression p) e = p.Expression;
        if (e is null) yield break;
        if (e is BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.And } and)
        {
            foreach (var x in Conjuncts(and.FirstExpression)) yield return x;
            foreach (var x in Conjuncts(and.SecondExpression)) yield return x;
        }
        else yield return e;
    }

    /// <summary>`c = literal` or `c IN (literals)`: the column and the values it may take.</summary>
    private static (string Column, SortedSet<string> Values)? ValuesOf(BooleanExpression condition)
    {
        switch (condition)
        {
            case BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq:
            {
                var (column, literal) = Unwrap(eq.FirstExpression) is ColumnReferenceExpression a ? (a, Unwrap(eq.SecondExpression)) : (Unwrap(eq.SecondExpression) as ColumnReferenceExpression, Unwrap(eq.FirstExpression));
                return column?.MultiPartIdentifier is { } id && LiteralKey(literal) is { } value
                    ? (id.Identifiers[^1].Value.ToLowerInvariant(), new SortedSet<string>(StringComparer.Ordinal) { value }) : null;
            }
            case InPredicate { NotDefined: false, Subquery: null } @in when Unwrap(@in.Expression) is ColumnReferenceExpression { MultiPartIdentifier: { } id }:
            {
                var values = new SortedSet<string>(StringComparer.Ordinal);
                foreach (var v in @in.Values)
                    if (LiteralKey(Unwrap(v)) is { } value) values.Add(value); else return null;
                return (id.Identifiers[^1].Value.ToLowerInvariant(), values);
            }
            default:
                return null;
        }
    }

    private static string? LiteralKey(ScalarExpression? e) => e switch
    {
        StringLiteral s => "s" + s.Value,
        IntegerLiteral or NumericLiteral => "n" + ((Literal)e).Value,
        _ => null,
    };

    /// <summary>The condition's text without spaces, comments or column qualifiers, keywords and names in lower case.</summary>
    private static string Render(BooleanExpression condition, ConditionParts parts)
    {
        var tokens = condition.ScriptTokenStream;
        var columns = new Dictionary<int, ColumnReferenceExpression>();
        foreach (var c in parts.Outer.Concat(parts.Nested)) columns.TryAdd(c.FirstTokenIndex, c);
        var text = new System.Text.StringBuilder();
        for (int i = condition.FirstTokenIndex; i <= condition.LastTokenIndex && tokens is not null && i < tokens.Count; i++)
        {
            if (columns.TryGetValue(i, out var c) && c.MultiPartIdentifier is { } id)
            {
                text.Append(id.Identifiers[^1].Value.ToLowerInvariant()).Append(' ');
                i = c.LastTokenIndex;
                continue;
            }
            var t = tokens[i];
            if (t.TokenType is TSqlTokenType.WhiteSpace or TSqlTokenType.SingleLineComment or TSqlTokenType.MultilineComment) continue;
            text.Append(t.TokenType is TSqlTokenType.AsciiStringLiteral or TSqlTokenType.UnicodeStringLiteral ? t.Text : t.Text.ToLowerInvariant()).Append(' ');
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>The column references of a condition, outside and inside the queries it holds, and the variables it reads.</summary>
    private sealed class ConditionParts : TSqlFragmentVisitor
    {
        private int _depth;
        public readonly List<ColumnReferenceExpression> Outer = new();
        public readonly List<ColumnReferenceExpression> Nested = new();
        public readonly HashSet<string> Variables = new(StringComparer.OrdinalIgnoreCase);

        public override void ExplicitVisit(ScalarSubquery node) { _depth++; base.ExplicitVisit(node); _depth--; }
        public override void ExplicitVisit(QuerySpecification node) { _depth++; base.ExplicitVisit(node); _depth--; }
        public override void ExplicitVisit(ColumnReferenceExpression node)
        {
            if (node.ColumnType == ColumnType.Regular && node.MultiPartIdentifier is not null) (_depth == 0 ? Outer : Nested).Add(node);
            base.ExplicitVisit(node);
        }
        public override void ExplicitVisit(VariableReference node) { Variables.Add(node.Name); base.ExplicitVisit(node); }
    }

    /// <summary>
    /// `X LEFT JOIN T ON T.c = X.k` where T covers the rows of a table that pass a filter and X's k lies within rows of the
    /// same table's column that pass at least that filter: each k that is not NULL has its match.
    /// </summary>
    private bool CoveredByKeySource(QualifiedName table, string column, Relation other, QueryScope scope, string otherColumn)
    {
        // a table covers its own rows
        var covers = KeySources(table, 'C', column).Append(new KeySource(Canonical(table).ToString(), column, RowFilter.None)).ToList();
        if (other.Table is not { } source) return false;
        IEnumerable<KeySource> within = source.IsLocal ? KeySources(source, 'W', otherColumn)
            : IsCte(other, scope) && _cteKeys.TryGetValue(source.Name, out var cte) && cte.TryGetValue(otherColumn, out var facts)
                ? facts.Within : Enumerable.Empty<KeySource>();
        return within.Any(w => covers.Any(c => string.Equals(w.Table, c.Table, StringComparison.OrdinalIgnoreCase) &&
            string.Equals(w.Column, c.Column, StringComparison.OrdinalIgnoreCase) && w.Filter.Implies(c.Filter)));
    }

    /// <summary>A relation read from a CTE of the statement (a catalog table of the name would have its definition).</summary>
    private static bool IsCte(Relation r, QueryScope scope) =>
        r.Definition is null && r.Table is { } t && scope.FindCte(t.Name) is { Table: var cte } && cte == t;

    /// <summary>Whether a key entry (see <see cref="KeyEntry"/>) ends with a write to <paramref name="written"/>.</summary>
    private bool KeyEntryEnds(string entry, bool holder, QualifiedName written, IReadOnlyCollection<string>? setColumns)
    {
        var parts = entry.Split(KeyMark);
        if (parts.Length != 6) return true;
        if (holder && (setColumns is null || setColumns.Contains(parts[2], StringComparer.OrdinalIgnoreCase))) return true;
        if (ReadsTable(parts[3], written)) return true;
        return false;
    }

    /// <summary>Whether rows of <paramref name="source"/> (a table, or a view copying columns of tables) change with a write to <paramref name="written"/>.</summary>
    private bool ReadsTable(string source, QualifiedName written)
    {
        var name = Canonical(written);
        var table = QualifiedName.Parse(source);
        if (Canonical(table) == name) return true;
        if (_catalog.Find(table) is not { Kind: TableKind.View } view) return false;
        foreach (var c in view.Columns)
        {
            if (c.CopiedFrom is not { } from) continue;
            int dot = from.LastIndexOf('.');
            if (dot > 0 && Canonical(QualifiedName.Parse(from[..dot])) == name) return true;
        }
        return false;
    }

    /// <summary>A variable assigned: key facts whose filter names it end.</summary>
    private void ForgetKeysNaming(string variable)
    {
        var name = variable.ToLowerInvariant();
        foreach (var entries in _notNull.Values)
            entries.RemoveWhere(e => e.Length > 0 && e[0] == KeyMark && e.Contains(name, StringComparison.OrdinalIgnoreCase));
    }
}
