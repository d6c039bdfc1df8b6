using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.CatalogRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// MERGE ... WHEN MATCHED whose USING source is not provably unique on the columns its ON clause
/// matches: two source rows for one target row raise error 8672 and the whole MERGE fails.
/// </summary>
public sealed class MergeSourceNotUniqueRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0013", "merge-source-not-unique", "MERGE source not unique on the ON keys", Severity.Warning, "Correctness",
        new RuleDoc(
            "When a MERGE updates or deletes matched rows, every target row may match at most one source row; otherwise SQL Server raises error 8672 ('attempted to UPDATE or DELETE the same row more than once') and the whole statement fails, typically the day a source system sends a business key twice. The source is provably unique when the ON clause matches all columns of a primary key or unique constraint of a source table (joined tables matched on their own keys), or when the USING query groups by, selects DISTINCT, or keeps ROW_NUMBER() ... = 1 per the matched columns. A VALUES list, or a UNION ALL of FROM-less SELECTs, is unique when its literal rows differ in a matched column or in a pair of them (a row that types the columns with CASTs of constants, `CAST('' AS varchar(200))`, counts by its value). Literals are compared as the database compares them: trailing blanks ignored, and case too unless the database collation is binary or case-sensitive (`_BIN`, `_BIN2`, `_CS`), taken from the collation a pre-deployment script of the database project creates the database with (`CREATE DATABASE [$(DatabaseName)] COLLATE Latin1_General_BIN`, in a script the project names with PreDeploy or in its PreDeploymentSubFolder), else from the project's DefaultCollation. Sources whose shape is not known (#temp tables, views, functions) are not reported. De-duplicate the source on the matched columns, keeping the row you want.",
            Bad: "CREATE PROCEDURE Etl.MergeCustomer AS\nBEGIN\n    MERGE Dim.Customer AS t\n    USING Staging.Customer AS s ON t.CustomerCode = s.CustomerCode\n    WHEN MATCHED THEN UPDATE SET t.[Customer Name] = s.[Customer Name]\n    WHEN NOT MATCHED THEN INSERT (CustomerCode, [Customer Name]) VALUES (s.CustomerCode, s.[Customer Name]);\nEND",
            Good: "CREATE PROCEDURE Etl.MergeCustomer AS\nBEGIN\n    WITH Latest AS (\n        SELECT CustomerCode, [Customer Name],\n               ROW_NUMBER() OVER (PARTITION BY CustomerCode ORDER BY LoadedAt DESC) AS rn\n        FROM Staging.Customer)\n    MERGE Dim.Customer AS t\n    USING (SELECT CustomerCode, [Customer Name] FROM Latest WHERE rn = 1) AS s ON t.CustomerCode = s.CustomerCode\n    WHEN MATCHED THEN UPDATE SET t.[Customer Name] = s.[Customer Name]\n    WHEN NOT MATCHED THEN INSERT (CustomerCode, [Customer Name]) VALUES (s.CustomerCode, s.[Customer Name]);\nEND",
            Schema: "CREATE TABLE Dim.Customer ([Customer Key] int IDENTITY NOT NULL PRIMARY KEY, CustomerCode nvarchar(20) NOT NULL UNIQUE, [Customer Name] nvarchar(100) NOT NULL);\nCREATE TABLE Staging.Customer (CustomerCode nvarchar(20) NOT NULL, [Customer Name] nvarchar(100) NOT NULL, LoadedAt datetime2 NOT NULL);"));

    public override void Check(RuleContext context)
    {
        foreach (var merge in context.Index.OfType<MergeStatement>())
        {
            var spec = merge.MergeSpecification;
            if (spec?.TableReference is not TableReferenceWithAlias sourceReference || spec.SearchCondition is null) continue;
            if (!UpdatesOrDeletesMatches(spec)) continue;

            var ctes = new CteScope(merge.WithCtesAndXmlNamespaces);
            var source = QueryShapes.Describe(sourceReference, ctes, context);
            var finder = new KeyFinder(context, ctes);
            var keys = finder.OfRelation(source, 0);
            if (keys is null) continue; // shape unknown: say nothing

            var matched = MatchedColumns(context, spec, source, keys);
            if (keys.IsUniqueOn(matched)) continue;

            var columns = matched.Count == 0 ? "" : "(" + string.Join(", ", matched.Select(QuoteName)) + ")";
            var on = matched.Count == 0 ? "on what ON matches (no source column is matched by equality)" : $"on the matched columns {columns}";
            string why;
            List<RelatedLocation>? related = null;
            if (source.Table is { } table)
            {
                why = keys.Sets.Count == 0
                    ? $"{table.Name} has no primary key or unique constraint"
                    : $"none of {table.Name}'s keys ({string.Join("; ", keys.Sets.Select(k => string.Join(", ", k.Select(QuoteName))))}) is fully matched";
                if (table.Location is not null) related = new List<RelatedLocation> { context.Related(table.Location, $"{table.Name} is defined here") };
            }
            else if (source.Reference is InlineDerivedTable)
                why = "the VALUES list repeats values (or has expressions) in them";
            else
                why = "nothing in the USING query (a key of its tables not multiplied by joins, GROUP BY, DISTINCT, or ROW_NUMBER() ... = 1) makes it unique on them";
            var partition = matched.Count == 0 ? "<key columns>" : string.Join(", ", matched.Select(QuoteName));
            context.Report(sourceReference,
                $"The MERGE source is not provably unique {on}: {why}. If two source rows match the same target row, the MERGE fails with error 8672. De-duplicate the source, e.g. ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY <latest first>) AS rn ... WHERE rn = 1.",
                related: related);
        }
    }

    private static bool UpdatesOrDeletesMatches(MergeSpecification spec)
    {
        foreach (var clause in spec.ActionClauses)
            if (clause.Condition == MergeCondition.Matched) return true;
        return false;
    }

    /// <summary>Source columns the ON clause equates to a target column or a constant (and applies a ROW_NUMBER() = 1 filter given there).</summary>
    private static List<string> MatchedColumns(RuleContext context, MergeSpecification spec, SourceRelation source, RelationKeys keys)
    {
        var target = spec.Target as NamedTableReference;
        var targetTable = target is null ? null : FindTable(context, target.SchemaObject);
        var result = new List<string>();
        var conjuncts = new List<BooleanExpression>();
        Conjuncts(spec.SearchCondition, conjuncts);
        foreach (var c in conjuncts)
        {
            if (c is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq) continue;
            for (int side = 0; side < 2; side++)
            {
                var mine = Unwrap(side == 0 ? eq.FirstExpression : eq.SecondExpression);
                var other = Unwrap(side == 0 ? eq.SecondExpression : eq.FirstExpression);
                if (SourceColumn(mine, spec, target, targetTable, source) is not { } name) continue;
                bool otherIsSource = SourceColumn(other, spec, target, targetTable, source) is not null;
                if (otherIsSource || !(other is ColumnReferenceExpression || IsConstant(other))) continue;
                if (!result.Contains(name, StringComparer.OrdinalIgnoreCase)) result.Add(name);
                if (IsOne(other) && keys.RowNumbers.TryGetValue(name, out var partition)) keys.Sets.Add(partition);
            }
        }
        return result;
    }

    private static string? SourceColumn(ScalarExpression e, MergeSpecification spec, NamedTableReference? target, TableDef? targetTable, SourceRelation source)
    {
        if (e is not ColumnReferenceExpression { ColumnType: ColumnType.Regular, MultiPartIdentifier: { } id }) return null;
        var ids = id.Identifiers;
        var name = ids[^1].Value;
        if (ids.Count > 1)
        {
            var qualifier = new List<Identifier>(ids.Count - 1);
            for (int i = 0; i < ids.Count - 1; i++) qualifier.Add(ids[i]);
            if (IsTarget(qualifier, spec, target)) return null;
            return source.Matches(qualifier) ? name : null;
        }
        // Unqualified: the source's if only the source has such a column.
        if (source.Columns is null || targetTable is null) return null;
        if (!source.Columns.Contains(name, StringComparer.OrdinalIgnoreCase) || targetTable.FindColumn(name) is not null) return null;
        return name;
    }

    private static bool IsTarget(List<Identifier> qualifier, MergeSpecification spec, NamedTableReference? target)
    {
        var alias = spec.TableAlias?.Value ?? target?.Alias?.Value;
        if (alias is not null) return qualifier.Count == 1 && string.Equals(alias, qualifier[0].Value, StringComparison.OrdinalIgnoreCase);
        return target is not null && string.Equals(target.SchemaObject.BaseIdentifier?.Value, qualifier[^1].Value, StringComparison.OrdinalIgnoreCase);
    }

    // ---- shared predicate helpers -----------------------------------------------------------------

    private static void Conjuncts(BooleanExpression? e, List<BooleanExpression> into)
    {
        switch (e)
        {
            case null: return;
            case BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.And } and:
                Conjuncts(and.FirstExpression, into);
                Conjuncts(and.SecondExpression, into);
                return;
            case BooleanParenthesisExpression p:
                Conjuncts(p.Expression, into);
                return;
            default:
                into.Add(e);
                return;
        }
    }

    private static ScalarExpression Unwrap(ScalarExpression e)
    {
        while (e is ParenthesisExpression p) e = p.Expression;
        return e;
    }

    private static bool IsConstant(ScalarExpression e) =>
        e is VariableReference or GlobalVariableExpression || (AsLiteral(e, out _) is { } l && l is not NullLiteral);

    private static bool IsOne(ScalarExpression e) => AsLiteral(e, out bool negative) is IntegerLiteral { Value: "1" } && !negative;

    // ---- keys -----------------------------------------------------------------------------------

    /// <summary>Column sets on which a relation's rows are unique (empty set: at most one row), and its ROW_NUMBER() columns.</summary>
    private sealed class RelationKeys
    {
        public readonly List<HashSet<string>> Sets = new();
        /// <summary>A ROW_NUMBER() column and the columns it is partitioned by: filtering it to 1 makes those a key.</summary>
        public readonly Dictionary<string, HashSet<string>> RowNumbers = new(StringComparer.OrdinalIgnoreCase);

        public bool IsUniqueOn(List<string> columns)
        {
            foreach (var set in Sets)
            {
                bool covered = true;
                foreach (var c in set)
                    if (!columns.Contains(c, StringComparer.OrdinalIgnoreCase)) { covered = false; break; }
                if (covered) return true;
            }
            return false;
        }
    }

    /// <summary>The same, by output position, for a query before its columns are named.</summary>
    private sealed class QueryKeys(int width)
    {
        public int Width { get; } = width;
        public readonly List<HashSet<int>> Sets = new();
        public readonly Dictionary<int, HashSet<int>> RowNumbers = new();
    }

    private readonly record struct ColumnRef(int Relation, string Column);

    /// <summary>How the FROM clause of one query constrains its relations.</summary>
    private sealed class JoinGraph
    {
        public readonly List<bool> NullExtended = new();
        /// <summary>Equalities between columns; Only = the relations (index range) the equality may bound, null for any.</summary>
        public readonly List<(ColumnRef A, ColumnRef B, (int Start, int End)? Only)> Edges = new();
        public readonly List<(ColumnRef Column, (int Start, int End)? Only)> Fixed = new();
        public readonly List<ColumnRef> RowNumberFilters = new();

        public static bool Allows((int Start, int End)? only, int relation) => only is null || (relation >= only.Value.Start && relation < only.Value.End);
    }

    private sealed class KeyFinder(RuleContext context, CteScope ctes)
    {
        private const int MaxDepth = 6;

        // Under a binary or case-sensitive database collation 'KG' and 'kg' are two keys; under the default, one.
        private readonly bool _caseSensitive = context.Projects.CollationOf(context.Document.Path) is { } collation
            && (collation.Contains("_BIN", StringComparison.OrdinalIgnoreCase) || collation.Contains("_CS", StringComparison.OrdinalIgnoreCase));

        public RelationKeys? OfRelation(SourceRelation r, int depth)
        {
            if (depth > MaxDepth) return null;
            if (r.Reference is InlineDerivedTable values) return OfValues(values, r.Columns);
            if (r.Table is { } table)
            {
                if (table.Kind is not (TableKind.Table or TableKind.TableType)) return null; // views and functions: keys unknown
                var k = new RelationKeys();
                foreach (var key in table.Keys) k.Sets.Add(new HashSet<string>(key.Columns, StringComparer.OrdinalIgnoreCase));
                return k;
            }
            if (r.Query is null || r.Columns is null) return null;
            var q = OfQuery(r.Query, depth + 1);
            if (q is null || q.Width != r.Columns.Count) return null;
            var result = new RelationKeys();
            foreach (var set in q.Sets) result.Sets.Add(Names(set, r.Columns));
            foreach (var (rn, partition) in q.RowNumbers) result.RowNumbers[r.Columns[rn]] = Names(partition, r.Columns);
            return result;
        }

        private static HashSet<string> Names(HashSet<int> positions, IReadOnlyList<string> columns)
        {
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in positions) names.Add(columns[p]);
            return names;
        }

        private RelationKeys? OfValues(InlineDerivedTable values, IReadOnlyList<string>? columns)
        {
            if (columns is null) return null;
            var k = new RelationKeys();
            if (values.RowValues.Count <= 1) { k.Sets.Add(new HashSet<string>()); return k; }
            for (int c = 0; c < columns.Count; c++)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                bool distinct = true;
                foreach (var row in values.RowValues)
                {
                    var key = c < row.ColumnValues.Count ? LiteralKey(row.ColumnValues[c]) : null;
                    if (key is null || !seen.Add(key)) { distinct = false; break; }
                }
                if (distinct) k.Sets.Add(new HashSet<string>(StringComparer.OrdinalIgnoreCase) { columns[c] });
            }
            // Two-column keys, the usual shape of a seeded lookup (type, code): pairs of literal columns whose rows are distinct.
            for (int a = 0; a < columns.Count; a++)
                for (int b = a + 1; b < columns.Count; b++)
                {
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    bool distinct = true;
                    foreach (var row in values.RowValues)
                    {
                        var ka = a < row.ColumnValues.Count ? LiteralKey(row.ColumnValues[a]) : null;
                        var kb = b < row.ColumnValues.Count ? LiteralKey(row.ColumnValues[b]) : null;
                        if (ka is null || kb is null || !seen.Add(ka + "\u0001" + kb)) { distinct = false; break; }
                    }
                    if (distinct) k.Sets.Add(new HashSet<string>(StringComparer.OrdinalIgnoreCase) { columns[a], columns[b] });
                }
            return k;
        }

        /// <summary>
        /// A literal's value as the database collation compares it (trailing blanks ignored, and case unless the
        /// project's collation is binary or case-sensitive), also through the CAST of a seed list's typing row
        /// (`CAST('' AS varchar(200))`, `CAST(0 AS bigint)`).
        /// </summary>
        private string? LiteralKey(ScalarExpression e)
        {
            if (e is CastCall { DataType: SqlDataTypeReference type, Parameter: { } inner }) return CastKey(type, inner);
            var literal = AsLiteral(e, out bool negative);
            return literal switch
            {
                StringLiteral s => "s:" + Folded(s.Value.TrimEnd(' ')),
                IntegerLiteral or NumericLiteral when decimal.TryParse(literal.Value, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var d)
                    => "n:" + (negative ? -d : d).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => null,
            };
        }

        private static readonly HashSet<SqlDataTypeOption> TextTypes = new() { SqlDataTypeOption.Char, SqlDataTypeOption.VarChar, SqlDataTypeOption.NChar, SqlDataTypeOption.NVarChar };
        private static readonly HashSet<SqlDataTypeOption> WholeNumberTypes = new() { SqlDataTypeOption.TinyInt, SqlDataTypeOption.SmallInt, SqlDataTypeOption.Int, SqlDataTypeOption.BigInt };

        private string Folded(string text) => _caseSensitive ? text : text.ToUpperInvariant();

        /// <summary>A string literal cast to a text type (cut to the type's length), or an integer literal cast to an integer type; null otherwise.</summary>
        private string? CastKey(SqlDataTypeReference type, ScalarExpression inner)
        {
            var literal = AsLiteral(inner, out _);
            if (literal is StringLiteral text && TextTypes.Contains(type.SqlDataTypeOption))
            {
                var value = text.Value;
                if (type.Parameters.Count == 1 && type.Parameters[0] is IntegerLiteral { Value: var n } && int.TryParse(n, out var length) && length < value.Length)
                    value = value[..length];
                return "s:" + Folded(value.TrimEnd(' '));
            }
            return literal is IntegerLiteral && WholeNumberTypes.Contains(type.SqlDataTypeOption) ? LiteralKey(inner) : null;
        }

        private QueryKeys? OfQuery(QueryExpression query, int depth)
        {
            switch (query)
            {
                case QueryParenthesisExpression p:
                    return OfQuery(p.QueryExpression, depth);
                case BinaryQueryExpression b:
                {
                    if (QueryShapes.OutputNames(b, ctes, context) is not { } names) return null;
                    var k = new QueryKeys(names.Count);
                    // UNION, EXCEPT and INTERSECT return distinct rows; UNION ALL does not.
                    if (!(b.BinaryQueryExpressionType == BinaryQueryExpressionType.Union && b.All))
                        k.Sets.Add(new HashSet<int>(Enumerable.Range(0, names.Count)));
                    // `SELECT 1, 'a' UNION ALL SELECT 2, 'b'`: a seed list of constant rows, unique where its literals are
                    if (ConstantRowKeys.Rows(b) is { } rows)
                        foreach (var set in ConstantRowKeys.Distinct(rows, names.Count, LiteralKey)) k.Sets.Add(set);
                    return k;
                }
                case QuerySpecification spec:
                    return OfSpecification(spec, depth);
                default:
                    return null;
            }
        }

        private QueryKeys? OfSpecification(QuerySpecification spec, int depth)
        {
            var relations = QueryShapes.Relations(spec.FromClause, ctes, context, depth);
            var outputs = OutputMap(spec, relations);
            if (outputs is null) return null;
            var k = new QueryKeys(outputs.Count);

            for (int i = 0; i < outputs.Count; i++)
            {
                if (outputs[i].Expression is FunctionCall { OverClause: { } over } f &&
                    string.Equals(f.FunctionName.Value, "ROW_NUMBER", StringComparison.OrdinalIgnoreCase) &&
                    Positions(over.Partitions, relations, outputs) is { } partition)
                    k.RowNumbers[i] = partition;
            }

            if (spec.FromClause is null || IsTopOne(spec.TopRowFilter))
            {
                k.Sets.Add(new HashSet<int>());
                return k;
            }
            if (spec.UniqueRowFilter == UniqueRowFilter.Distinct)
                k.Sets.Add(new HashSet<int>(Enumerable.Range(0, outputs.Count)));
            if (spec.GroupByClause is { } group)
            {
                // Rows are groups now: unique on the grouping columns, whatever the tables' keys were.
                if (group.GroupByOption == GroupByOption.None && !group.All)
                {
                    var expressions = new List<ScalarExpression>();
                    foreach (var g in group.GroupingSpecifications)
                        if (g is ExpressionGroupingSpecification eg) expressions.Add(eg.Expression);
                    if (expressions.Count == group.GroupingSpecifications.Count && Positions(expressions, relations, outputs) is { } grouped)
                        k.Sets.Add(grouped);
                }
                return k;
            }

            var graph = Graph(spec, relations);
            if (graph is null) return k.Sets.Count > 0 ? k : null;
            var keys = new RelationKeys?[relations.Count];
            bool allKnown = true;
            for (int i = 0; i < relations.Count; i++)
            {
                keys[i] = OfRelation(relations[i], depth + 1);
                allKnown &= keys[i] is not null;
            }
            foreach (var filter in graph.RowNumberFilters)
                if (keys[filter.Relation] is { } rk && rk.RowNumbers.TryGetValue(filter.Column, out var partition))
                    rk.Sets.Add(partition);

            for (int root = 0; root < relations.Count; root++)
            {
                if (keys[root] is not { } rootKeys || graph.NullExtended[root] || !AllDetermined(root, keys, graph)) continue;
                foreach (var set in rootKeys.Sets)
                {
                    var positions = new HashSet<int>();
                    bool mapped = true;
                    foreach (var column in set)
                    {
                        if (IsFixed(graph, root, column)) continue; // WHERE Type = 'X' leaves the rest of the key unique
                        int p = PositionOf(outputs, root, column);
                        if (p < 0) { mapped = false; break; }
                        positions.Add(p);
                    }
                    if (mapped) k.Sets.Add(positions);
                }
            }
            return k.Sets.Count > 0 || allKnown ? k : null;
        }

        private static bool IsTopOne(TopRowFilter? top) =>
            top is { Percent: false, WithTies: false } && AsLiteral(top.Expression, out _) is IntegerLiteral { Value: "1" };

        /// <summary>Is every relation bound to at most one row per row of the root, through keys matched by equalities?</summary>
        private static bool AllDetermined(int root, RelationKeys?[] keys, JoinGraph graph)
        {
            var determined = new bool[keys.Length];
            determined[root] = true;
            int count = 1;
            bool changed = true;
            while (changed && count < keys.Length)
            {
                changed = false;
                for (int r = 0; r < keys.Length; r++)
                {
                    if (determined[r] || keys[r] is not { } rk) continue;
                    var bound = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    foreach (var (column, only) in graph.Fixed)
                        if (column.Relation == r && JoinGraph.Allows(only, r)) bound.Add(column.Column);
                    foreach (var (a, b, only) in graph.Edges)
                    {
                        if (!JoinGraph.Allows(only, r)) continue;
                        if (a.Relation == r && determined[b.Relation]) bound.Add(a.Column);
                        if (b.Relation == r && determined[a.Relation]) bound.Add(b.Column);
                    }
                    foreach (var set in rk.Sets)
                    {
                        if (!set.IsSubsetOf(bound)) continue;
                        determined[r] = true;
                        count++;
                        changed = true;
                        break;
                    }
                }
            }
            return count == keys.Length;
        }

        private static bool IsFixed(JoinGraph graph, int relation, string column)
        {
            foreach (var (c, only) in graph.Fixed)
                if (only is null && c.Relation == relation && string.Equals(c.Column, column, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        private static int PositionOf(List<(int Relation, string? Column, ScalarExpression? Expression)> outputs, int relation, string column)
        {
            for (int i = 0; i < outputs.Count; i++)
                if (outputs[i].Relation == relation && string.Equals(outputs[i].Column, column, StringComparison.OrdinalIgnoreCase)) return i;
            return -1;
        }

        private static HashSet<int>? Positions(IList<ScalarExpression> expressions, List<SourceRelation> relations,
            List<(int Relation, string? Column, ScalarExpression? Expression)> outputs)
        {
            var positions = new HashSet<int>();
            foreach (var e in expressions)
            {
                if (Resolve(e, relations) is not { } c) return null;
                int p = PositionOf(outputs, c.Relation, c.Column);
                if (p < 0) return null;
                positions.Add(p);
            }
            return positions;
        }

        /// <summary>Each output column: the relation column it copies (if any) and its expression.</summary>
        private static List<(int Relation, string? Column, ScalarExpression? Expression)>? OutputMap(QuerySpecification spec, List<SourceRelation> relations)
        {
            var outputs = new List<(int, string?, ScalarExpression?)>(spec.SelectElements.Count);
            foreach (var element in spec.SelectElements)
            {
                switch (element)
                {
                    case SelectScalarExpression s:
                    {
                        var e = Unwrap(s.Expression);
                        var c = Resolve(e, relations);
                        outputs.Add((c?.Relation ?? -1, c?.Column, e));
                        break;
                    }
                    case SelectStarExpression star:
                    {
                        var qualifier = (IList<Identifier>?)star.Qualifier?.Identifiers ?? Array.Empty<Identifier>();
                        for (int r = 0; r < relations.Count; r++)
                        {
                            if (!relations[r].Matches(qualifier)) continue;
                            if (relations[r].Columns is not { } columns) return null;
                            foreach (var column in columns) outputs.Add((r, column, null));
                        }
                        break;
                    }
                    default:
                        return null;
                }
            }
            return outputs;
        }

        /// <summary>The relation column a column reference names, when that is unambiguous.</summary>
        private static ColumnRef? Resolve(ScalarExpression e, List<SourceRelation> relations)
        {
            if (Unwrap(e) is not ColumnReferenceExpression { ColumnType: ColumnType.Regular, MultiPartIdentifier: { } id }) return null;
            var ids = id.Identifiers;
            var name = ids[^1].Value;
            int found = -1;
            if (ids.Count > 1)
            {
                var qualifier = new List<Identifier>(ids.Count - 1);
                for (int i = 0; i < ids.Count - 1; i++) qualifier.Add(ids[i]);
                for (int r = 0; r < relations.Count; r++)
                {
                    if (!relations[r].Matches(qualifier)) continue;
                    if (found >= 0) return null;
                    found = r;
                }
            }
            else
            {
                for (int r = 0; r < relations.Count; r++)
                {
                    var columns = relations[r].Columns;
                    if (columns is null && relations.Count > 1) return null; // could be anyone's
                    if (columns is not null && !columns.Contains(name, StringComparer.OrdinalIgnoreCase)) continue;
                    if (found >= 0) return null;
                    found = r;
                }
            }
            return found < 0 ? null : new ColumnRef(found, name);
        }

        /// <summary>Equalities of the FROM and WHERE clauses; null when a join kind makes keys unprovable (RIGHT/FULL, PIVOT, ...).</summary>
        private static JoinGraph? Graph(QuerySpecification spec, List<SourceRelation> relations)
        {
            var graph = new JoinGraph();
            foreach (var step in JoinTree.Walk(spec.FromClause))
                switch (step)
                {
                    case JoinLeaf leaf:
                        graph.NullExtended.Add(leaf.NullExtended);
                        break;
                    case JoinEnd { Join: QualifiedJoin { QualifiedJoinType: QualifiedJoinType.RightOuter or QualifiedJoinType.FullOuter } }:
                        return null;
                    case JoinEnd { Join: QualifiedJoin j } end:
                        // A LEFT JOIN's condition may bound only the relations of its right side.
                        AddConditions(j.SearchCondition, graph, relations, j.QualifiedJoinType == QualifiedJoinType.LeftOuter ? (end.SecondStart, end.End) : null, isWhere: false);
                        break;
                    case JoinEnd { Join: UnqualifiedJoin }:
                        // CROSS JOIN / APPLY: the right side is bound only if it has at most one row (its key is the empty set).
                        break;
                    case JoinEnd:
                        return null;
                }
            if (graph.NullExtended.Count != relations.Count) return null;
            if (spec.WhereClause?.SearchCondition is { } where) AddConditions(where, graph, relations, only: null, isWhere: true);
            return graph;
        }

        private static void AddConditions(BooleanExpression? condition, JoinGraph graph, List<SourceRelation> relations, (int, int)? only, bool isWhere)
        {
            var conjuncts = new List<BooleanExpression>();
            Conjuncts(condition, conjuncts);
            foreach (var c in conjuncts)
            {
                if (c is not BooleanComparisonExpression cmp) continue;
                var left = Resolve(cmp.FirstExpression, relations);
                var right = Resolve(cmp.SecondExpression, relations);
                switch (cmp.ComparisonType)
                {
                    case BooleanComparisonType.Equals:
                        if (left is { } a && right is { } b) { if (a.Relation != b.Relation) graph.Edges.Add((a, b, only)); }
                        else if (left is { } l && IsConstant(Unwrap(cmp.SecondExpression)))
                        {
                            graph.Fixed.Add((l, only));
                            if (isWhere && IsOne(Unwrap(cmp.SecondExpression))) graph.RowNumberFilters.Add(l);
                        }
                        else if (right is { } r && IsConstant(Unwrap(cmp.FirstExpression)))
                        {
                            graph.Fixed.Add((r, only));
                            if (isWhere && IsOne(Unwrap(cmp.FirstExpression))) graph.RowNumberFilters.Add(r);
                        }
                        break;
                    case BooleanComparisonType.LessThanOrEqualTo when isWhere && left is { } rn && IsOne(Unwrap(cmp.SecondExpression)):
                        graph.RowNumberFilters.Add(rn);
                        break;
                    case BooleanComparisonType.LessThan when isWhere && left is { } rn2 && AsLiteral(cmp.SecondExpression, out bool neg) is IntegerLiteral { Value: "2" } && !neg:
                        graph.RowNumberFilters.Add(rn2);
                        break;
                }
            }
        }
    }
}
