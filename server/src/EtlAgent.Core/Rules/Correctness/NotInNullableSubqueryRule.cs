using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// `x NOT IN (SELECT col ...)` is `x &lt;&gt; v1 AND x &lt;&gt; v2 ...`: one NULL among the values makes it
/// UNKNOWN for every row, so the filter silently keeps nothing.
/// </summary>
public sealed class NotInNullableSubqueryRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0008", "not-in-nullable-subquery", "NOT IN over a subquery that can return NULL", Severity.Error, "Correctness",
        new RuleDoc(
            "`x NOT IN (SELECT col FROM ...)` expands to `x <> v1 AND x <> v2 AND ...`. If the subquery returns a single NULL, every comparison with it is UNKNOWN and the whole predicate is never true: the insert of \"new\" rows or the delete of \"orphans\" silently does nothing, typically the day the first NULL arrives. " +
            "The rule fires when the subquery's column is nullable in the catalog, comes from the outer side of a LEFT JOIN, or belongs to a table the catalog does not know, unless the subquery itself filters the column with IS NOT NULL (or another predicate that rejects NULL). A #temp table's column is as NULL-able as what the procedure filled it with before the NOT IN (lineage of its SELECT INTO, INSERT and UPDATE statements; unknown when a write is not traced), and the name and id columns of SQL Server's catalog views (`sys.columns.name`, `INFORMATION_SCHEMA.COLUMNS.COLUMN_NAME`) are never NULL. " +
            "Rewrite as NOT EXISTS with a correlated equality, which ignores NULLs in the subquery. Note that NOT EXISTS also keeps rows whose own x is NULL, which NOT IN dropped; that is usually what a load wants.",
            Bad: "INSERT INTO Dim.Customer ([Customer Code], [Customer Name])\nSELECT s.[Customer Code], s.[Customer Name]\nFROM Staging.Customer AS s\nWHERE s.[Customer Code] NOT IN (SELECT [Customer Code] FROM Dim.Customer WHERE [Is Current] = 1);",
            Good: "INSERT INTO Dim.Customer ([Customer Code], [Customer Name])\nSELECT s.[Customer Code], s.[Customer Name]\nFROM Staging.Customer AS s\nWHERE s.[Customer Code] NOT IN (SELECT [Customer Code] FROM Dim.Customer WHERE [Is Current] = 1 AND [Customer Code] IS NOT NULL);",
            Fixed: "INSERT INTO Dim.Customer ([Customer Code], [Customer Name])\nSELECT s.[Customer Code], s.[Customer Name]\nFROM Staging.Customer AS s\nWHERE NOT EXISTS (SELECT 1 FROM Dim.Customer AS c WHERE [Is Current] = 1 AND c.[Customer Code] = s.[Customer Code]);",
            Schema: "CREATE TABLE Staging.Customer ([Customer Code] nvarchar(20) NOT NULL, [Customer Name] nvarchar(100) NULL);\nCREATE TABLE Dim.Customer ([Customer Key] int IDENTITY NOT NULL PRIMARY KEY, [Customer Code] nvarchar(20) NULL, [Customer Name] nvarchar(100) NULL, [Is Current] bit NOT NULL);"));

    private enum Nullability { NotNull, Nullable, Unknown }

    public override void Check(RuleContext context)
    {
        var index = context.Index;
        Tables? tables = null;
        var specs = new Lazy<SpanTree<TSqlFragment>>(() => new SpanTree<TSqlFragment>(
            index.OfType<QuerySpecification>().Concat<TSqlFragment>(index.OfType<UpdateSpecification>()).Concat(index.OfType<DeleteSpecification>())));
        foreach (var p in index.OfType<InPredicate>())
        {
            if (!p.NotDefined || p.Subquery?.QueryExpression is null || p.Expression is null) continue;
            tables ??= new Tables(context);

            var branches = new List<QuerySpecification>();
            if (!Branches(p.Subquery.QueryExpression, branches)) continue;

            foreach (var spec in branches)
            {
                var (nullability, column, reason) = Evaluate(context, p, spec, tables);
                if (nullability == Nullability.NotNull || column is null) continue;

                var fix = branches.Count == 1 ? NotExistsFix(context, p, spec, tables, specs.Value) : null;
                var valueText = Short(context, column);
                var message = nullability == Nullability.Nullable
                    ? $"NOT IN over a subquery that can return NULL: {valueText} {reason}. One NULL among its rows makes NOT IN UNKNOWN for every row, so nothing qualifies. Use NOT EXISTS with a correlated equality, or add '{valueText} IS NOT NULL' to the subquery."
                    : $"NOT IN over a subquery that may return NULL: {valueText} {reason}, so its nullability is unknown. One NULL among its rows would make NOT IN UNKNOWN for every row. Use NOT EXISTS with a correlated equality, or add '{valueText} IS NOT NULL' to the subquery.";
                context.Report(p, message, fix is null ? null : new[] { fix });
                break; // one finding per predicate
            }
        }
    }

    private static bool Branches(QueryExpression q, List<QuerySpecification> into)
    {
        switch (Unparen(q))
        {
            case QuerySpecification s: into.Add(s); return true;
            case BinaryQueryExpression b: return Branches(b.FirstQueryExpression, into) && Branches(b.SecondQueryExpression, into);
            default: return false;
        }
    }

    private static (Nullability, ScalarExpression?, string) Evaluate(RuleContext context, InPredicate predicate, QuerySpecification spec, Tables tables)
    {
        if (spec.SelectElements.Count != 1 || spec.SelectElements[0] is not SelectScalarExpression { Expression: { } expression }) return (Nullability.NotNull, null, "");
        var e = Unparen(expression);
        switch (e)
        {
            case NullLiteral:
                return (Nullability.Nullable, expression, "is the NULL literal");
            case Literal:
                return (Nullability.NotNull, null, "");
            case ColumnReferenceExpression c when IsColumn(c):
                break;
            default:
                return (Nullability.NotNull, null, ""); // expressions: stay silent rather than guess
        }

        var column = (ColumnReferenceExpression)e;
        var sources = Sources(spec.FromClause);
        var source = SourceOf(column, sources, tables.Find);
        bool Same(ColumnReferenceExpression r) =>
            SameName(ColumnName(r), ColumnName(column)) && (source is null ? SameName(Qualifier(r), Qualifier(column)) : ReferenceEquals(SourceOf(r, sources, tables.Find), source));

        // Filtered in the subquery: WHERE col IS NOT NULL, WHERE col = 'x', an inner join on col ...
        if (RejectsNull(spec.WhereClause?.SearchCondition, Same)) return (Nullability.NotNull, null, "");
        if (source is not null && !source.NullExtended && InnerJoinRejects(spec.FromClause, Same)) return (Nullability.NotNull, null, "");

        if (source is null) return (Nullability.Unknown, column, "cannot be matched to a table of the subquery");
        if (source.NullExtended) return (Nullability.Nullable, column, "comes from the outer side of an outer join and is NULL for unmatched rows");
        var def = tables.Find(source);
        if (def is null && source.Reference is NamedTableReference system && SystemCatalogNames.IsSystemCatalog(system.SchemaObject) && IsNameOrId(ColumnName(column)!))
            return (Nullability.NotNull, null, "");
        if (def is null && source.Table is { IsTemp: true } temp && FilledNotNull(context, predicate, temp, ColumnName(column)!) is { } filled)
            return filled ? (Nullability.NotNull, null, "") : (Nullability.Nullable, column, $"is filled in {temp} with values that can be NULL");
        if (def is null)
            return (Nullability.Unknown, column, source.Table is { } t ? $"belongs to {t}, which is not in the catalog" : $"comes from the derived table {source.ExposedName}");
        var col = def.FindColumn(ColumnName(column)!);
        if (col is null) return (Nullability.Unknown, column, $"is not a column of {def.Name} in the catalog");
        return col.Nullable
            ? (Nullability.Nullable, column, $"is nullable in {def.Name}")
            : (Nullability.NotNull, null, "");
    }

    /// <summary>
    /// A name or id column of a catalog view (`sys.columns.name`, `INFORMATION_SCHEMA.COLUMNS.COLUMN_NAME`,
    /// `object_id`): it names an object that exists, so it is never NULL.
    /// </summary>
    private static bool IsNameOrId(string column) =>
        column.Equals("name", StringComparison.OrdinalIgnoreCase) || column.EndsWith("_NAME", StringComparison.OrdinalIgnoreCase)
        || column.EndsWith("_SCHEMA", StringComparison.OrdinalIgnoreCase) || column.EndsWith("_CATALOG", StringComparison.OrdinalIgnoreCase)
        || column.Equals("object_id", StringComparison.OrdinalIgnoreCase) || column.Equals("column_id", StringComparison.OrdinalIgnoreCase)
        || column.Equals("schema_id", StringComparison.OrdinalIgnoreCase) || column.Equals("index_id", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// What lineage knows of a #temp table's column the catalog does not hold: true when every statement
    /// of the procedure that writes the table before <paramref name="predicate"/> (SELECT INTO, INSERT,
    /// UPDATE) writes the column a value that cannot be NULL, false when one can be NULL, null when a
    /// write is not traced (INSERT ... EXEC, a column left out) or nothing writes it here.
    /// </summary>
    private static bool? FilledNotNull(RuleContext context, InPredicate predicate, QualifiedName temp, string column)
    {
        if (context.TransformationAt(predicate) is not { } owner) return null;
        var body = owner.Transformation.BodyRange;
        var writes = new List<TSqlStatement>();
        foreach (var st in context.Index.OfType<TSqlStatement>())
        {
            if (st.StartOffset >= predicate.StartOffset || !body.Contains(st.StartOffset)) continue;
            var target = st switch
            {
                SelectStatement { Into: { } into } => into,
                InsertStatement { InsertSpecification.Target: NamedTableReference n } => n.SchemaObject,
                UpdateStatement { UpdateSpecification.Target: NamedTableReference n } when n.SchemaObject.SchemaIdentifier is null => n.SchemaObject,
                _ => null,
            };
            if (target?.BaseIdentifier?.Value is { } name && name.Equals(temp.Name, StringComparison.OrdinalIgnoreCase)) writes.Add(st);
        }
        if (writes.Count == 0) return null;
        bool nullable = false;
        foreach (var w in writes)
        {
            var assigned = owner.Assignments.Where(a => ReferenceEquals(a.Statement, w) && a.Table.IsTemp
                && a.Table.Name.Equals(temp.Name, StringComparison.OrdinalIgnoreCase) && a.Column.Equals(column, StringComparison.OrdinalIgnoreCase)).ToList();
            if (assigned.Count == 0)
            {
                // an UPDATE that leaves the column alone keeps what the table held; any other write is untraced
                if (w is UpdateStatement) continue;
                return null;
            }
            if (assigned.Any(a => a.Origin.Nullable != false)) nullable |= assigned.Any(a => a.Origin.Nullable == true);
            if (assigned.Any(a => a.Origin.Nullable is null)) return null;
        }
        return !nullable;
    }

    private static bool InnerJoinRejects(FromClause? from, Func<ColumnReferenceExpression, bool> same)
    {
        if (from is null) return false;
        // CROSS JOIN and APPLY operands are not looked into.
        return JoinTree.Walk(from.TableReferences, enter: j => j is QualifiedJoin).OfType<JoinEnd>()
            .Any(j => j.Join is QualifiedJoin { QualifiedJoinType: QualifiedJoinType.Inner } inner && RejectsNull(inner.SearchCondition, same));
    }

    /// <summary>
    /// `x NOT IN (SELECT col FROM t WHERE w)` → `NOT EXISTS (SELECT 1 FROM t AS a WHERE w AND a.col = x)`, when the
    /// subquery is a plain SELECT and x's columns cannot be captured by the subquery's tables.
    /// </summary>
    private static Fix? NotExistsFix(RuleContext context, InPredicate p, QuerySpecification sq, Tables tables, SpanTree<TSqlFragment> specs)
    {
        if (sq.FromClause is null || sq.GroupByClause is not null || sq.HavingClause is not null || sq.TopRowFilter is not null ||
            sq.OrderByClause is not null || sq.OffsetClause is not null || sq.ForClause is not null || sq.WindowClause is not null) return null;
        if (sq.SelectElements[0] is not SelectScalarExpression { Expression: { } selected } || Unparen(selected) is not ColumnReferenceExpression column) return null;
        if (Descendants<QueryExpression>(p.Expression).Count > 0) return null;

        var text = context.Document.Text;
        var innerSources = Sources(sq.FromClause);
        if (innerSources.Count == 0) return null;

        // Qualify x's columns with their outer table so the subquery cannot capture them.
        var outer = OuterSources(specs, p);
        var xEdits = new List<(int, int, string)>();
        var xQualifiers = new List<string>();
        foreach (var r in Descendants<ColumnReferenceExpression>(p.Expression))
        {
            if (!IsColumn(r)) continue;
            if (Qualifier(r) is { } q) { xQualifiers.Add(q); continue; }
            var s = outer is null ? null : SourceOf(r, outer, tables.Find);
            if (s is null) return null;
            xQualifiers.Add(s.ExposedName);
            xEdits.Add((r.StartOffset, r.StartOffset, ExposedNameText(context, s) + "."));
        }

        // Give a lone unaliased table an alias; table-name qualifiers inside the subquery then use it.
        var innerEdits = new List<(int, int, string)>();
        string columnText;
        if (innerSources.Count == 1 && innerSources[0].Reference is NamedTableReference { Alias: null } named)
        {
            if (Descendants<QueryExpression>(sq).Count > 1) return null; // nested queries: qualifier scopes get murky
            var taken = new HashSet<string>(xQualifiers, StringComparer.OrdinalIgnoreCase);
            if (outer is not null) foreach (var s in outer) taken.Add(s.ExposedName);
            var alias = NewAlias(innerSources[0].ExposedName, taken.Contains);
            innerEdits.Add((End(named.SchemaObject), End(named.SchemaObject), " AS " + alias));
            foreach (var r in Descendants<ColumnReferenceExpression>(sq))
            {
                var ids = r.MultiPartIdentifier?.Identifiers;
                if (ids is not { Count: >= 2 } || !SameName(ids[^2].Value, innerSources[0].ExposedName)) continue;
                innerEdits.Add((ids[0].StartOffset, ids[^1].StartOffset, alias + "."));
            }
            var columnIds = column.MultiPartIdentifier.Identifiers;
            columnText = alias + "." + context.TextOf(columnIds[^1]);
            innerSources = new List<TableSource> { innerSources[0] with { ExposedName = alias } };
        }
        else
        {
            columnText = context.TextOf(column);
        }

        foreach (var q in xQualifiers)
            if (innerSources.Any(s => SameName(s.ExposedName, q))) return null; // the subquery would capture x

        var where = sq.WhereClause?.SearchCondition;
        var fromText = Rewrite(text, sq.FromClause.StartOffset, where is null ? End(sq.FromClause) : where.StartOffset, innerEdits);
        var xText = Rewrite(text, p.Expression.StartOffset, End(p.Expression), xEdits);
        string body;
        if (where is null)
        {
            body = $"{fromText} WHERE {columnText} = {xText}";
        }
        else
        {
            var whereText = Rewrite(text, where.StartOffset, End(where), innerEdits);
            if (where is BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.Or }) whereText = "(" + whereText + ")";
            body = $"{fromText}{whereText} AND {columnText} = {xText}";
        }
        return context.Fix("Rewrite as NOT EXISTS", context.Replace(p, $"NOT EXISTS (SELECT 1 {body})"));
    }

    private static string ExposedNameText(RuleContext context, TableSource s) => s.Reference switch
    {
        TableReferenceWithAlias { Alias: { } a } => context.TextOf(a),
        NamedTableReference n => context.TextOf(n.SchemaObject.BaseIdentifier),
        _ => s.ExposedName,
    };

    /// <summary>The tables visible where the predicate is written: the innermost SELECT/UPDATE/DELETE around it.</summary>
    private static List<TableSource>? OuterSources(SpanTree<TSqlFragment> specs, InPredicate p)
    {
        switch (specs.Innermost(p))
        {
            case QuerySpecification q:
                return Sources(q.FromClause);
            case UpdateDeleteSpecificationBase d:
                var list = Sources(d.FromClause);
                if (list.Count == 0) AddSources(d.Target, false, list);
                return list;
            default:
                return null;
        }
    }
}
