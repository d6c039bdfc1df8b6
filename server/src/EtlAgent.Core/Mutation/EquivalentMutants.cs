using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Mutation;

/// <summary>A mutant no input can tell from the original, and why (one of <see cref="EquivalentMutants"/>' categories).</summary>
public sealed record EquivalentMutant(Mutant Mutant, string Category);

/// <summary>A transformation's mutants: those to run, and those equivalent by construction (never run, not counted).</summary>
public sealed record MutantSet(IReadOnlyList<Mutant> Candidates, IReadOnlyList<EquivalentMutant> Equivalent);

/// <summary>
/// Mutants that are equivalent by construction: SQL Server's semantics make the change unobservable
/// for every input, so running them only lowers the score (docs/mutation.md, "Equivalent by
/// construction", gives each category with the documentation it rests on). Each category is
/// narrow on purpose: a mutant is only called equivalent when the reason holds whatever the data.
/// </summary>
public sealed class EquivalentMutants
{
    public const string AtMostOneRow = "DISTINCT on a query that returns at most one row";
    public const string ExistenceTest = "inside an EXISTS subquery, where only whether a row exists counts";
    public const string SetOperatorBranch = "DISTINCT on a branch of UNION, EXCEPT or INTERSECT, which remove duplicates themselves";
    public const string InSubquery = "DISTINCT on an IN subquery, whose duplicates never change the answer";
    public const string KeyedRows = "DISTINCT on a query that selects every column of a key of its one table, or of the first of tables joined on their keys, whose rows are already distinct";
    public const string OnePerPartition = "DISTINCT on the rows ROW_NUMBER() OVER (PARTITION BY …) = 1 keeps, one per partition, when it selects the partition's columns";

    /// <summary>Every category, in the order reports list them.</summary>
    public static IReadOnlyList<string> Categories { get; } = new[] { AtMostOneRow, ExistenceTest, SetOperatorBranch, InSubquery, KeyedRows, OnePerPartition };

    // DISTINCT refuses these (error 421 and the like): adding it is an error, not an equivalent
    private static readonly HashSet<string> NotComparable = new(StringComparer.OrdinalIgnoreCase) { "xml", "text", "ntext", "image", "geography", "geometry" };

    // the built-in aggregates: without GROUP BY, a query that uses one returns a single row
    private static readonly HashSet<string> Aggregates = new(StringComparer.OrdinalIgnoreCase)
    {
        "AVG", "CHECKSUM_AGG", "COUNT", "COUNT_BIG", "MAX", "MIN", "STDEV", "STDEVP", "STRING_AGG", "SUM", "VAR", "VARP", "APPROX_COUNT_DISTINCT",
    };

    private readonly Dictionary<int, string> _distinctAdded = new();   // query specification start → category
    private readonly Dictionary<int, string> _distinctRemoved = new();
    private readonly List<(int Start, int End)> _existenceOnly = new(); // select lists EXISTS never looks at
    private readonly List<(int Start, int End)> _existenceOrder = new(); // ORDER BY items of EXISTS subqueries
    private readonly HashSet<int> _existenceValues = new();             // literals that are a whole value of such a select list
    private readonly HashSet<int> _existenceTops = new();               // TOP literals of EXISTS subqueries
    private readonly HashSet<string> _cteNames = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, CommonTableExpression> _ctes = new(StringComparer.OrdinalIgnoreCase); // a name defined twice: neither

    private EquivalentMutants() { }

    /// <summary>The mutants split: those equivalent by construction are left out of the candidates.</summary>
    public static MutantSet Split(TransformationAnalysis t, SchemaCatalog? catalog, IReadOnlyList<Mutant> mutants)
    {
        if (!t.HasSyntax || mutants.Count == 0) return new MutantSet(mutants, Array.Empty<EquivalentMutant>());
        var e = Of(t, catalog);
        var candidates = new List<Mutant>();
        var equivalent = new List<EquivalentMutant>();
        foreach (var m in mutants)
            if (e.Why(m) is { } why) equivalent.Add(new EquivalentMutant(m, why));
            else candidates.Add(m);
        return new MutantSet(candidates, equivalent);
    }

    public static EquivalentMutants Of(TransformationAnalysis t, SchemaCatalog? catalog)
    {
        var e = new EquivalentMutants();
        // a CTE may share its name with a catalog table: its columns are not that table's
        var ctes = new CteNames(e._cteNames, e._ctes);
        foreach (var f in t.Syntax.Body) f.Accept(ctes);
        var visitor = new Collector(e, catalog);
        foreach (var f in t.Syntax.Body) f.Accept(visitor);
        return e;
    }

    /// <summary>Why no input can tell <paramref name="m"/> from the original; null when some might.</summary>
    public string? Why(Mutant m)
    {
        if (m.Operator == "DISTINCT added") return _distinctAdded.GetValueOrDefault(m.Start);
        if (m.Operator == "DISTINCT removed") return _distinctRemoved.GetValueOrDefault(m.Start);
        // TOP (n) → TOP (n ± 1) under EXISTS: any n ≥ 1 keeps a row when there is one
        if (m.Operator.StartsWith("constant", StringComparison.Ordinal))
        {
            if (_existenceTops.Contains(m.Start)) return long.TryParse(m.Mutated, out var n) && n >= 1 ? ExistenceTest : null;
            // only a literal that is a whole value (`SELECT 1`): as an argument (a CONVERT style, an
            // ORDER BY ordinal) another number could be refused where the original is not
            return _existenceValues.Contains(m.Start) ? ExistenceTest : null;
        }
        // a column replaced may name a column this scope does not have (an error, not an equivalent)
        if (m.Operator is "column replaced" or "join key replaced") return null;
        int end = m.Start + m.Length;
        bool Within(List<(int Start, int End)> spans) => spans.Any(s => m.Start >= s.Start && end <= s.End);
        if (m.Operator.StartsWith("ORDER BY", StringComparison.Ordinal)) return Within(_existenceOrder) ? ExistenceTest : null;
        return Within(_existenceOnly) ? ExistenceTest : null;
    }

    private sealed class CteNames(HashSet<string> names, Dictionary<string, CommonTableExpression> definitions) : TSqlFragmentVisitor
    {
        private readonly HashSet<string> _twice = new(StringComparer.OrdinalIgnoreCase);

        public override void Visit(CommonTableExpression node)
        {
            if (!names.Add(node.ExpressionName.Value)) _twice.Add(node.ExpressionName.Value);
            if (_twice.Contains(node.ExpressionName.Value)) definitions.Remove(node.ExpressionName.Value);
            else definitions[node.ExpressionName.Value] = node;
        }
    }

    private sealed class Collector(EquivalentMutants e, SchemaCatalog? catalog) : TSqlFragmentVisitor
    {
        // the query specifications around the node being visited (a column's scope)
        private readonly Stack<QuerySpecification> _scopes = new();

        // SELECT … INTO: the new table's columns and IDENTITY come from the query; left alone
        private readonly HashSet<int> _into = new();

        public override void ExplicitVisit(SelectStatement node)
        {
            if (node.Into is not null && node.QueryExpression is QuerySpecification q) _into.Add(q.StartOffset);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(QuerySpecification node)
        {
            if (SingleRowAggregate(node)) e._distinctAdded.TryAdd(node.StartOffset, AtMostOneRow);
            else if (SelectsAKey(node)) e._distinctAdded.TryAdd(node.StartOffset, KeyedRows);
            else if (OnePerPartitionRows(node)) e._distinctAdded.TryAdd(node.StartOffset, OnePerPartition);
            _scopes.Push(node);
            base.ExplicitVisit(node);
            _scopes.Pop();
        }

        public override void Visit(ExistsPredicate node)
        {
            // OFFSET skips a number of rows: fewer duplicates could leave none
            bool offset = HasOffset(node.Subquery.QueryExpression);
            foreach (var spec in Branches(node.Subquery.QueryExpression))
            {
                // EXISTS is true when the subquery returns any row: DISTINCT never empties a non-empty result
                if (!offset) e._distinctRemoved.TryAdd(spec.StartOffset, ExistenceTest);
                // DISTINCT needs comparable values (not xml, text, image…): literals are
                if (!offset && spec.SelectElements.All(s => s is SelectScalarExpression { Expression: Literal and not NullLiteral }))
                    e._distinctAdded.TryAdd(spec.StartOffset, ExistenceTest);
                if (spec.TopRowFilter is { Percent: false, Expression: var top } && Unparenthesized(top) is IntegerLiteral lit
                    && long.TryParse(lit.Value, out var n) && n >= 1)
                    e._existenceTops.Add(lit.StartOffset);
                // the rows do not depend on the select list when nothing groups or aggregates them, nor
                // removes duplicates: what it says is never looked at (nor evaluated)
                if (spec.GroupByClause is null && spec.HavingClause is null && spec.UniqueRowFilter != UniqueRowFilter.Distinct
                    && spec.SelectElements.Count > 0 && !spec.SelectElements.Any(ContainsAggregate))
                {
                    var first = spec.SelectElements[0];
                    var last = spec.SelectElements[^1];
                    e._existenceOnly.Add((first.StartOffset, last.StartOffset + last.FragmentLength));
                    foreach (var v in spec.SelectElements)
                        if (v is SelectScalarExpression { Expression: IntegerLiteral literal }) e._existenceValues.Add(literal.StartOffset);
                }
                // the order of the rows never changes whether there is one
                if (spec.OrderByClause is { } order)
                    foreach (var o in order.OrderByElements)
                        e._existenceOrder.Add((o.StartOffset, o.StartOffset + o.FragmentLength));
            }
        }

        public override void Visit(BinaryQueryExpression node)
        {
            if (node.BinaryQueryExpressionType == BinaryQueryExpressionType.Union && node.All) return;
            // UNION (without ALL), EXCEPT and INTERSECT return distinct rows; a branch's own DISTINCT
            // removes nothing they keep, when no branch's values are converted to another type
            // (a conversion could merge values the branch's own types keep apart, or fail on one)
            // (TOP or OFFSET pick rows by number: duplicates change which)
            var branches = Branches(node).ToList();
            if (HasOffset(node) || branches.Any(b => b.TopRowFilter is not null) || !SameTypes(branches)) return;
            foreach (var b in branches)
            {
                e._distinctAdded.TryAdd(b.StartOffset, SetOperatorBranch);
                e._distinctRemoved.TryAdd(b.StartOffset, SetOperatorBranch);
            }
        }

        public override void Visit(InPredicate node)
        {
            if (node.Subquery?.QueryExpression is not QuerySpecification spec) return;
            if (spec.TopRowFilter is not null || spec.OffsetClause is not null || spec.SelectElements.Count != 1) return;
            // x IN (subquery) is x = ANY (subquery): true when one value equals x, false when none can;
            // duplicates change neither, when x and the values compare in the same type (no conversion)
            var scope = _scopes.Count > 0 ? _scopes.Peek() : null;
            var left = TypeOf(node.Expression, scope);
            var right = spec.SelectElements[0] is SelectScalarExpression s ? TypeOf(s.Expression, spec) : null;
            if (left is null || right is null || !SameType(left, right)) return;
            e._distinctAdded.TryAdd(spec.StartOffset, InSubquery);
            e._distinctRemoved.TryAdd(spec.StartOffset, InSubquery);
        }

        /// <summary>
        /// Aggregates in the select list and no GROUP BY: exactly one row (none when HAVING is false).
        /// Every value must be an aggregate, a literal or arithmetic of them (comparable types, so
        /// DISTINCT is allowed), and no ORDER BY (DISTINCT restricts what it may name).
        /// </summary>
        private static bool SingleRowAggregate(QuerySpecification q) =>
            q.GroupByClause is null && q.OrderByClause is null && q.TopRowFilter is null && q.ForClause is null
            && q.UniqueRowFilter != UniqueRowFilter.Distinct && q.SelectElements.Count > 0
            && q.SelectElements.All(s => s is SelectScalarExpression v && OverAggregates(v.Expression))
            && q.SelectElements.Any(ContainsAggregate);

        /// <summary>
        /// Rows that are already distinct: FROM is one catalog table (no CTE, #temp or other database's), or a chain of
        /// INNER and LEFT joins to catalog tables each joined on a whole key of theirs equated with a column of the same
        /// type of a table before it (so no row is repeated); no GROUP BY, aggregate, ORDER BY (DISTINCT restricts what it
        /// may name), OFFSET, FOR, SELECT … INTO or DISTINCT already; and the select list names every column of one key
        /// (PRIMARY KEY or UNIQUE) of the first table as a plain column. Every other value must be one DISTINCT can
        /// compare (no xml, text, image, spatial value, subquery or user function, whose type is not known here).
        /// </summary>
        private bool SelectsAKey(QuerySpecification q)
        {
            if (catalog is null || _into.Contains(q.StartOffset)) return false;
            if (q.GroupByClause is not null || q.HavingClause is not null || q.OrderByClause is not null || q.OffsetClause is not null
                || q.ForClause is not null || q.UniqueRowFilter == UniqueRowFilter.Distinct || q.SelectElements.Count == 0) return false;
            var chain = new List<(string Exposed, TableDef Table)>();
            if (q.FromClause is not { TableReferences: [var from] } || !Chain(from, chain)) return false;
            if (q.SelectElements.Any(ContainsAggregate)) return false;
            var selected = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var element in q.SelectElements)
            {
                if (element is not SelectScalarExpression { Expression: var x }) return false;
                if (ChainColumn(x, chain) is { Index: 0 } first) selected.Add(first.Column.Name);
                else if (!Comparable(x, chain)) return false;
            }
            return chain[0].Table.Keys.Any(k => k.Columns.Count > 0 && k.Columns.All(selected.Contains));
        }

        /// <summary>
        /// Rows already distinct because a derived table or CTE numbers them ROW_NUMBER() OVER (PARTITION BY p…) and the query
        /// keeps number 1 (WHERE rn = 1, among ANDed conditions): one row per partition, and the select list names every
        /// partition column as a plain column. The numbering query reads catalog tables only (so every column's type is
        /// known), partitions by plain columns it exposes as they are (or through *), and every value the outer query
        /// selects is one DISTINCT can compare (as <see cref="SelectsAKey"/>); no GROUP BY, aggregate, ORDER BY, TOP,
        /// OFFSET, FOR, SELECT … INTO or DISTINCT already, and no column list on the derived table or CTE.
        /// </summary>
        private bool OnePerPartitionRows(QuerySpecification q)
        {
            if (catalog is null || _into.Contains(q.StartOffset)) return false;
            if (q.GroupByClause is not null || q.HavingClause is not null || q.OrderByClause is not null || q.OffsetClause is not null || q.TopRowFilter is not null
                || q.ForClause is not null || q.UniqueRowFilter == UniqueRowFilter.Distinct || q.SelectElements.Count == 0 || q.SelectElements.Any(ContainsAggregate)) return false;
            if (q.FromClause is not { TableReferences: [var from] }) return false;
            QuerySpecification? inner = null;
            string? exposed = null;
            if (from is QueryDerivedTable { QueryExpression: QuerySpecification derived, Alias: { } alias, Columns.Count: 0 })
                (inner, exposed) = (derived, alias.Value);
            else if (from is NamedTableReference { SchemaObject: { SchemaIdentifier: null, DatabaseIdentifier: null, BaseIdentifier: { } cteName } } named
                     && e._ctes.TryGetValue(cteName.Value, out var cte) && cte.Columns.Count == 0 && cte.QueryExpression is QuerySpecification numbered)
                (inner, exposed) = (numbered, named.Alias?.Value ?? cteName.Value);
            if (inner is null || exposed is null || inner.FromClause is null || inner.GroupByClause is not null || inner.UniqueRowFilter == UniqueRowFilter.Distinct) return false;
            // the numbering query's tables: catalog tables only, so each column it exposes has a known type
            var tables = new List<(string Exposed, TableDef Table)>();
            foreach (var r in inner.FromClause.TableReferences)
                if (!CatalogTables(r, tables)) return false;
            // the column ROW_NUMBER() OVER (PARTITION BY …) fills, and the partition columns by the names the outer query sees
            string? numberColumn = null;
            var partitionNames = new List<string>();
            foreach (var element in inner.SelectElements)
            {
                if (element is not SelectScalarExpression { Expression: FunctionCall { CallTarget: null, OverClause: { Partitions.Count: > 0 } over } f, ColumnName: { } name }
                    || !f.FunctionName.Value.Equals("ROW_NUMBER", StringComparison.OrdinalIgnoreCase)) continue;
                if (numberColumn is not null) return false;
                numberColumn = name.Value;
                foreach (var p in over.Partitions)
                {
                    if (ChainColumn(p, tables) is not { } column || ExposedAs(inner, tables, column) is not { } seen) return false;
                    partitionNames.Add(seen);
                }
            }
            if (numberColumn is null) return false;
            bool Names(ScalarExpression x, string column) =>
                Unparenthesized(x) is ColumnReferenceExpression { ColumnType: ColumnType.Regular, Collation: null, MultiPartIdentifier: { } id }
                && (id.Count == 1 || id.Count == 2 && string.Equals(id.Identifiers[0].Value, exposed, StringComparison.OrdinalIgnoreCase))
                && string.Equals(id.Identifiers[^1].Value, column, StringComparison.OrdinalIgnoreCase);
            bool First(BooleanExpression c) => c is BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq
                && (Names(eq.FirstExpression, numberColumn) && Unparenthesized(eq.SecondExpression) is IntegerLiteral { Value: "1" }
                    || Names(eq.SecondExpression, numberColumn) && Unparenthesized(eq.FirstExpression) is IntegerLiteral { Value: "1" });
            if (!Conjuncts(q.WhereClause?.SearchCondition).Any(First)) return false;
            // a column of the numbered rows DISTINCT can compare: the number, or what the numbering query exposes under that name
            bool Exposed(ScalarExpression x)
            {
                if (Unparenthesized(x) is not ColumnReferenceExpression { ColumnType: ColumnType.Regular, Collation: null, MultiPartIdentifier: { } id }
                    || id.Count > 2 || id.Count == 2 && !string.Equals(id.Identifiers[0].Value, exposed, StringComparison.OrdinalIgnoreCase)) return false;
                var column = id.Identifiers[^1].Value;
                if (string.Equals(column, numberColumn, StringComparison.OrdinalIgnoreCase)) return true;
                return ExposedValue(inner, tables, column) is { } value && Comparable(value, tables);
            }
            var selected = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var element in q.SelectElements)
            {
                if (element is not SelectScalarExpression { Expression: var x } || !Comparable(x, Exposed)) return false;
                foreach (var p in partitionNames) if (Names(x, p)) selected.Add(p);
            }
            return partitionNames.All(selected.Contains);
        }

        /// <summary>The name the numbering query exposes <paramref name="column"/> under: a plain select of it (its alias, else its name), or * (its name).</summary>
        private static string? ExposedAs(QuerySpecification inner, List<(string Exposed, TableDef Table)> tables, (int Index, ColumnDef Column) column)
        {
            foreach (var element in inner.SelectElements)
            {
                if (element is SelectScalarExpression { Expression: var x, ColumnName: var alias } && ChainColumn(x, tables) is { } c && c == column)
                    return alias?.Value ?? c.Column.Name;
                if (element is SelectStarExpression { Qualifier: var qualifier }
                    && (qualifier is null || string.Equals(qualifier.Identifiers[^1].Value, tables[column.Index].Exposed, StringComparison.OrdinalIgnoreCase)))
                    return column.Column.Name;
            }
            return null;
        }

        /// <summary>The expression the numbering query exposes under <paramref name="name"/> (a select element of that name, or a column through *); null when none or ambiguous.</summary>
        private static ScalarExpression? ExposedValue(QuerySpecification inner, List<(string Exposed, TableDef Table)> tables, string name)
        {
            ScalarExpression? found = null;
            foreach (var element in inner.SelectElements)
            {
                ScalarExpression? value = element switch
                {
                    SelectScalarExpression { ColumnName: { } alias } s when string.Equals(alias.Value, name, StringComparison.OrdinalIgnoreCase) => s.Expression,
                    SelectScalarExpression { ColumnName: null, Expression: ColumnReferenceExpression { MultiPartIdentifier: { } id } c }
                        when string.Equals(id.Identifiers[^1].Value, name, StringComparison.OrdinalIgnoreCase) => c,
                    SelectStarExpression { Qualifier: var qualifier } => tables.Where(t => qualifier is null || string.Equals(qualifier.Identifiers[^1].Value, t.Exposed, StringComparison.OrdinalIgnoreCase))
                        .Count(t => t.Table.FindColumn(name) is not null) == 1
                        ? new ColumnReferenceExpression { ColumnType = ColumnType.Regular, MultiPartIdentifier = Identifiers(tables.First(t => (qualifier is null || string.Equals(qualifier.Identifiers[^1].Value, t.Exposed, StringComparison.OrdinalIgnoreCase)) && t.Table.FindColumn(name) is not null).Exposed, name) }
                        : null,
                    _ => null,
                };
                if (value is null) continue;
                if (found is not null) return null;
                found = value;
            }
            return found;
        }

        private static MultiPartIdentifier Identifiers(params string[] parts)
        {
            var id = new MultiPartIdentifier();
            foreach (var p in parts) id.Identifiers.Add(new Identifier { Value = p });
            return id;
        }

        /// <summary>The catalog tables of a FROM item (any join of them); false for anything else (a derived table, CTE, #temp, APPLY, function).</summary>
        private bool CatalogTables(TableReference r, List<(string Exposed, TableDef Table)> into)
        {
            switch (r)
            {
                case NamedTableReference when Catalogued(r) is { } t: into.Add(t); return true;
                case QualifiedJoin j: return CatalogTables(j.FirstTableReference, into) && CatalogTables(j.SecondTableReference, into);
                case JoinParenthesisTableReference p: return CatalogTables(p.Join, into);
                default: return false;
            }
        }

        /// <summary>A catalog table named in FROM (not a CTE, #temp table, stand-in or another database's), with the name it goes by.</summary>
        private (string Exposed, TableDef Table)? Catalogued(TableReference r)
        {
            if (r is not NamedTableReference { SchemaObject: var so } n || so.BaseIdentifier is null || so.ServerIdentifier is not null
                || so.DatabaseIdentifier is not null || so.BaseIdentifier.Value.StartsWith('#')
                || (so.SchemaIdentifier is null && e._cteNames.Contains(so.BaseIdentifier.Value))) return null;
            return catalog!.Find(new QualifiedName(so.SchemaIdentifier?.Value ?? "dbo", so.BaseIdentifier.Value)) is { Kind: TableKind.Table, StandIn: null } table
                ? (n.Alias?.Value ?? so.BaseIdentifier.Value, table) : null;
        }

        /// <summary>The tables of FROM when each joined one adds at most one row to a row of those before it.</summary>
        private bool Chain(TableReference r, List<(string Exposed, TableDef Table)> chain)
        {
            switch (r)
            {
                case NamedTableReference when Catalogued(r) is { } t:
                    chain.Add(t);
                    return true;
                case QualifiedJoin { QualifiedJoinType: QualifiedJoinType.Inner or QualifiedJoinType.LeftOuter } j:
                    if (!Chain(j.FirstTableReference, chain) || Catalogued(j.SecondTableReference) is not { } right) return false;
                    if (chain.Any(c => string.Equals(c.Exposed, right.Exposed, StringComparison.OrdinalIgnoreCase))) return false;
                    var equated = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    foreach (var c in Conjuncts(j.SearchCondition))
                        if (c is BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq)
                        {
                            if (KeyEquality(eq.FirstExpression, eq.SecondExpression, right, chain) is { } a) equated.Add(a);
                            if (KeyEquality(eq.SecondExpression, eq.FirstExpression, right, chain) is { } b) equated.Add(b);
                        }
                    if (!right.Table.Keys.Any(k => k.Columns.Count > 0 && k.Columns.All(equated.Contains))) return false;
                    chain.Add(right);
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>
        /// The joined table's column that <paramref name="mine"/> names when <paramref name="other"/> is a column of the same
        /// type of a table before it (no conversion could make two of the joined table's keys equal one value).
        /// </summary>
        private static string? KeyEquality(ScalarExpression mine, ScalarExpression other, (string Exposed, TableDef Table) right, List<(string Exposed, TableDef Table)> before)
        {
            if (Unparenthesized(mine) is not ColumnReferenceExpression { ColumnType: ColumnType.Regular, Collation: null, MultiPartIdentifier: { Count: 2 } id }
                || !string.Equals(id.Identifiers[0].Value, right.Exposed, StringComparison.OrdinalIgnoreCase)
                || right.Table.FindColumn(id.Identifiers[1].Value) is not { } key) return null;
            if (Unparenthesized(other) is not ColumnReferenceExpression { ColumnType: ColumnType.Regular, Collation: null, MultiPartIdentifier: { Count: 2 } oid }) return null;
            var source = before.FirstOrDefault(c => string.Equals(c.Exposed, oid.Identifiers[0].Value, StringComparison.OrdinalIgnoreCase));
            return source.Table?.FindColumn(oid.Identifiers[1].Value) is { } col && SameType(col.Type, key.Type) ? key.Name : null;
        }

        private static IEnumerable<BooleanExpression> Conjuncts(BooleanExpression? b) => b switch
        {
            null => Array.Empty<BooleanExpression>(),
            BooleanParenthesisExpression p => Conjuncts(p.Expression),
            BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.And } a => Conjuncts(a.FirstExpression).Concat(Conjuncts(a.SecondExpression)),
            _ => new[] { b },
        };

        /// <summary>
        /// A plain reference to a comparable column of a table of the chain: by its alias, or by its name alone when one
        /// table of the chain has a column of that name.
        /// </summary>
        private static (int Index, ColumnDef Column)? ChainColumn(ScalarExpression x, List<(string Exposed, TableDef Table)> chain)
        {
            if (Unparenthesized(x) is not ColumnReferenceExpression { ColumnType: ColumnType.Regular, Collation: null, MultiPartIdentifier: { } id }) return null;
            var name = id.Identifiers[^1].Value;
            (int, ColumnDef)? found = null;
            for (int i = 0; i < chain.Count; i++)
            {
                if (id.Count == 2 && !string.Equals(id.Identifiers[0].Value, chain[i].Exposed, StringComparison.OrdinalIgnoreCase)) continue;
                if (id.Count > 2 || chain[i].Table.FindColumn(name) is not { } c) continue;
                if (found is not null) return null;
                found = (i, c);
            }
            return found is { } f && !NotComparable.Contains(f.Item2.Type.Name) ? f : null;
        }

        /// <summary>A value DISTINCT can compare: literals, variables, the chain's comparable columns and built-in functions, CASE and operators over them.</summary>
        private static bool Comparable(ScalarExpression x, List<(string Exposed, TableDef Table)> chain) => Comparable(x, c => ChainColumn(c, chain) is not null);

        /// <summary>As above, with <paramref name="column"/> saying which column references are comparable.</summary>
        private static bool Comparable(ScalarExpression x, Func<ScalarExpression, bool> column) => x switch
        {
            Literal or VariableReference or GlobalVariableExpression => true,
            ColumnReferenceExpression => column(x),
            ParenthesisExpression p => Comparable(p.Expression, column),
            UnaryExpression u => Comparable(u.Expression, column),
            BinaryExpression b => Comparable(b.FirstExpression, column) && Comparable(b.SecondExpression, column),
            CoalesceExpression c => c.Expressions.All(v => Comparable(v, column)),
            NullIfExpression ni => Comparable(ni.FirstExpression, column) && Comparable(ni.SecondExpression, column),
            SearchedCaseExpression sc => sc.WhenClauses.All(w => Comparable(w.ThenExpression, column)) && (sc.ElseExpression is null || Comparable(sc.ElseExpression, column)),
            SimpleCaseExpression sc => sc.WhenClauses.All(w => Comparable(w.ThenExpression, column)) && (sc.ElseExpression is null || Comparable(sc.ElseExpression, column)),
            CastCall cc => !NotComparable.Contains(cc.DataType.Name.BaseIdentifier.Value) && Comparable(cc.Parameter, column),
            ConvertCall cv => !NotComparable.Contains(cv.DataType.Name.BaseIdentifier.Value) && Comparable(cv.Parameter, column),
            FunctionCall f => f.CallTarget is null && f.OverClause is null && f.Parameters.All(v => Comparable(v, column)),
            _ => false,
        };

        /// <summary>An aggregate, a literal, or arithmetic, COALESCE/ISNULL and parentheses over them.</summary>
        private static bool OverAggregates(ScalarExpression x) => x switch
        {
            FunctionCall f when IsAggregate(f) => true,
            FunctionCall f when f.CallTarget is null && f.FunctionName.Value.Equals("ISNULL", StringComparison.OrdinalIgnoreCase) => f.Parameters.All(OverAggregates),
            CoalesceExpression c => c.Expressions.All(OverAggregates),
            BinaryExpression b => OverAggregates(b.FirstExpression) && OverAggregates(b.SecondExpression),
            UnaryExpression u => OverAggregates(u.Expression),
            ParenthesisExpression p => OverAggregates(p.Expression),
            ScalarSubquery => false,
            Literal => true,
            _ => false,
        };

        private static bool IsAggregate(FunctionCall f) =>
            f.CallTarget is null && f.OverClause is null && Aggregates.Contains(f.FunctionName.Value);

        private static bool ContainsAggregate(TSqlFragment f)
        {
            var finder = new AggregateFinder();
            f.Accept(finder);
            return finder.Found;
        }

        private sealed class AggregateFinder : TSqlFragmentVisitor
        {
            public bool Found { get; private set; }
            public override void Visit(FunctionCall node) { if (IsAggregate(node)) Found = true; }
        }

        private static ScalarExpression Unparenthesized(ScalarExpression x) => x is ParenthesisExpression p ? Unparenthesized(p.Expression) : x;

        /// <summary>The query specifications a query expression combines (through parentheses and set operators).</summary>
        private static IEnumerable<QuerySpecification> Branches(QueryExpression q) => q switch
        {
            QuerySpecification s => new[] { s },
            QueryParenthesisExpression p => Branches(p.QueryExpression),
            BinaryQueryExpression b => Branches(b.FirstQueryExpression).Concat(Branches(b.SecondQueryExpression)),
            _ => Array.Empty<QuerySpecification>(),
        };

        /// <summary>An OFFSET anywhere in the query expression (on a branch or on a combination).</summary>
        private static bool HasOffset(QueryExpression q) => q.OffsetClause is not null || q switch
        {
            QueryParenthesisExpression p => HasOffset(p.QueryExpression),
            BinaryQueryExpression b => HasOffset(b.FirstQueryExpression) || HasOffset(b.SecondQueryExpression),
            _ => false,
        };

        /// <summary>Every branch has the same known type at each position (so no value is converted).</summary>
        private bool SameTypes(List<QuerySpecification> branches)
        {
            if (branches.Count < 2) return false;
            int width = branches[0].SelectElements.Count;
            if (branches.Any(b => b.SelectElements.Count != width)) return false;
            for (int i = 0; i < width; i++)
            {
                SqlType? first = null;
                foreach (var b in branches)
                {
                    if (b.SelectElements[i] is not SelectScalarExpression s || TypeOf(s.Expression, b) is not { } type) return false;
                    if (first is null) first = type;
                    else if (!SameType(first, type)) return false;
                }
            }
            return true;
        }

        private static bool SameType(SqlType a, SqlType b) => string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// The type of a column of a table in <paramref name="scope"/>'s FROM, as the catalog declares
        /// it; null for anything else (expressions, variables, columns of derived tables or outer scopes).
        /// </summary>
        private SqlType? TypeOf(ScalarExpression x, QuerySpecification? scope)
        {
            if (catalog is null || scope?.FromClause is null) return null;
            // an explicit COLLATE changes how values compare: not the column's own type
            if (Unparenthesized(x) is not ColumnReferenceExpression { ColumnType: ColumnType.Regular, Collation: null, MultiPartIdentifier: { } id }) return null;
            var tables = new List<NamedTableReference>();
            foreach (var r in scope.FromClause.TableReferences) CollectTables(r, tables);
            string column = id.Identifiers[^1].Value;
            IEnumerable<NamedTableReference> candidates;
            if (id.Count == 2)
                candidates = tables.Where(t => string.Equals(t.Alias?.Value ?? t.SchemaObject.BaseIdentifier.Value, id.Identifiers[0].Value, StringComparison.OrdinalIgnoreCase));
            else if (id.Count == 1 && tables.Count == 1 && scope.FromClause.TableReferences.Count == 1 && scope.FromClause.TableReferences[0] is NamedTableReference)
                candidates = tables;
            else return null;
            var matches = candidates.ToList();
            if (matches.Count != 1) return null;
            var n = matches[0].SchemaObject;
            if (n.ServerIdentifier is not null || n.DatabaseIdentifier is not null) return null;
            if (n.SchemaIdentifier is null && e._cteNames.Contains(n.BaseIdentifier.Value)) return null;
            var table = catalog.Find(new QualifiedName(n.SchemaIdentifier?.Value ?? "dbo", n.BaseIdentifier.Value));
            return table?.FindColumn(column)?.Type;
        }

        private static void CollectTables(TableReference r, List<NamedTableReference> into)
        {
            switch (r)
            {
                case NamedTableReference n: into.Add(n); break;
                case JoinTableReference j: CollectTables(j.FirstTableReference, into); CollectTables(j.SecondTableReference, into); break;
                case JoinParenthesisTableReference p: CollectTables(p.Join, into); break;
            }
        }
    }
}
