using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.CatalogRuleHelpers;

namespace EtlAgent.Core.Rules.Maintainability;

/// <summary>
/// SELECT * (or alias.*) whose columns are written somewhere: an INSERT, a SELECT INTO or a view.
/// The load then depends on the source table's current column order.
/// </summary>
public sealed class SelectStarInLoadRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0003", "select-star-in-load", "SELECT * feeding a load or view", Severity.Warning, "Maintainability",
        new RuleDoc(
            "When SELECT * feeds an INSERT, a SELECT INTO or a view, the columns written are whatever the source has today, in its order. A column added, dropped or reordered in the source shifts values into the wrong target columns or breaks the load, and a view keeps its old column list until it is refreshed. List the columns explicitly; the fix expands the star from the catalog when every table it covers is known. A star over a derived table or CTE that itself lists its columns, or over a table variable (declared with its columns in the same module), is not reported, nor one over table-valued functions of the workspace that read no table or view (a split or tally utility: its columns are computed from its parameters, part of its interface like them, and no change to a table can alter them), and neither is the `SELECT TOP (0) * INTO` idiom that copies a table's shape. A `SELECT * INTO #temp` over one table is not reported either: code reading the #temp table names its columns, and a later `INSERT ... SELECT * FROM #temp` is reported where it is; stars over several tables into a #temp table are, since a column added to one with a name another has makes the SELECT INTO fail. A star over table variables and #temp tables the same file makes with their columns named (CREATE TABLE, or SELECT ... INTO whose own stars cover only such tables) is not reported wherever it feeds: their columns change only with that code; beside it, a star over a table defined elsewhere is reported on its own.",
            Bad: "CREATE PROCEDURE Etl.LoadSales AS\nBEGIN\n    INSERT INTO Fact.Sales (OrderNumber, [Order Date], Amount)\n    SELECT s.*\n    FROM Staging.Sales AS s\n    WHERE s.Amount <> 0;\nEND",
            Good: "CREATE PROCEDURE Etl.LoadSales AS\nBEGIN\n    INSERT INTO Fact.Sales (OrderNumber, [Order Date], Amount)\n    SELECT s.OrderNumber, s.[Order Date], s.Amount\n    FROM Staging.Sales AS s\n    WHERE s.Amount <> 0;\nEND",
            Schema: "CREATE TABLE Fact.Sales ([Sales Key] bigint IDENTITY NOT NULL, OrderNumber nvarchar(20) NOT NULL, [Order Date] date NOT NULL, Amount decimal(18,2) NOT NULL);\nCREATE TABLE Staging.Sales (OrderNumber nvarchar(20) NULL, [Order Date] date NULL, Amount decimal(18,2) NULL);"));

    public override void Check(RuleContext context)
    {
        foreach (var insert in context.Index.OfType<InsertStatement>())
        {
            if (insert.InsertSpecification is { InsertSource: SelectInsertSource source, Target: { } target })
                CheckQuery(context, source.Select, new CteScope(insert.WithCtesAndXmlNamespaces),
                    $"feeds the INSERT into {TargetText(context, target)}: the values follow the source's current column order, so a column added, dropped or reordered there shifts data into the wrong columns or breaks the load");
        }
        foreach (var select in context.Index.OfType<SelectStatement>())
        {
            if (select.Into is null || IsShapeCopy(select.QueryExpression)) continue;
            bool temp = select.Into.BaseIdentifier?.Value.StartsWith('#') == true;
            CheckQuery(context, select.QueryExpression, new CteScope(select.WithCtesAndXmlNamespaces),
                temp
                    ? $"creates {context.TextOf(select.Into)} from the columns of several tables, so a column added to one with a name another already has makes the SELECT INTO fail"
                    : $"creates {context.TextOf(select.Into)} with whatever columns the source has today, so code reading it later breaks or misreads data when the source changes",
                intoTemp: temp);
        }
        foreach (var view in context.Index.OfType<ViewStatementBody>())
        {
            if (view.SelectStatement is not { } select || view.SchemaObjectName is null) continue;
            CheckQuery(context, select.QueryExpression, new CteScope(select.WithCtesAndXmlNamespaces),
                $"defines view {context.TextOf(view.SchemaObjectName)}: a view keeps the column list it had when created, so after the source changes it misses new columns or shows values under the wrong names until sp_refreshview");
        }
    }

    private static string TargetText(RuleContext context, TableReference target) =>
        target is NamedTableReference n ? context.TextOf(n.SchemaObject) : context.TextOf(target);

    private static void CheckQuery(RuleContext context, QueryExpression? query, CteScope ctes, string consequence, bool intoTemp = false)
    {
        var specs = new List<QuerySpecification>();
        QueryShapes.OutputSpecifications(query, specs);
        foreach (var spec in specs)
        {
            // A #temp table made from one table's star keeps working when that table changes: code
            // reading it names its columns, and a later INSERT ... SELECT * FROM #t is reported itself.
            // Stars over several tables can collide on a name and break the SELECT INTO.
            if (intoTemp && StarRelationCount(spec, ctes, context) <= 1) continue;
            List<SourceRelation>? relations = null;
            foreach (var element in spec.SelectElements)
            {
                if (element is not SelectStarExpression star) continue;
                relations ??= QueryShapes.Relations(spec.FromClause, ctes, context);
                if (Owned(star, relations, ctes, context, 0)) continue;

                var fix = Expansion(context, star, relations);
                var what = star.Qualifier is null ? "SELECT *" : $"SELECT {context.TextOf(star)}";
                var functions = FunctionsOnly(star, relations);
                context.Report(star,
                    $"{what} {consequence}. List the columns explicitly.", Severity.Error,
                    functions is null ? null : new Dictionary<string, object?> { [FunctionsEvidenceKey] = functions },
                    fix is null ? null : new[] { context.Fix("Expand * into the column list", context.Replace(star, fix)) },
                    RelatedTables(context, star, relations));
            }
        }
    }

    /// <summary>The evidence key listing the table-valued functions a star covers, when it covers nothing else.</summary>
    public const string FunctionsEvidenceKey = "starFunctions";

    /// <summary>The table-valued functions a star covers (`SELECT * FROM dbo.SplitList(@list, ',')`), when they are all it covers; else null.</summary>
    private static List<QualifiedName>? FunctionsOnly(SelectStarExpression star, List<SourceRelation> relations)
    {
        var qualifier = (IList<Identifier>?)star.Qualifier?.Identifiers ?? Array.Empty<Identifier>();
        var names = new List<QualifiedName>();
        foreach (var r in relations)
        {
            if (!r.Matches(qualifier)) continue;
            if (r.Reference is not SchemaObjectFunctionTableReference { SchemaObject: { } fn }) return null;
            names.Add(DdlReader.NameOf(fn));
        }
        return names.Count > 0 ? names : null;
    }

    /// <summary>
    /// Table-valued functions of the workspace that read no table or view (every definition of the name): a split
    /// or tally utility whose output columns are computed from its parameters alone. Known only once the whole
    /// workspace is scanned.
    /// </summary>
    public static IReadOnlySet<QualifiedName> TableFreeFunctions(IEnumerable<Transformation> transformations)
    {
        var free = new HashSet<QualifiedName>();
        var reading = new HashSet<QualifiedName>();
        foreach (var t in transformations)
            if (t.Kind == TransformationKind.Function && QualifiedName.TryParse(t.Name, out var name))
                (t.Reads.Count == 0 ? free : reading).Add(name);
        free.ExceptWith(reading);
        return free;
    }

    /// <summary>
    /// A finding whose star covers only functions in <paramref name="tableFree"/>: the columns it stands for are the
    /// function's interface, fixed in its own code like its parameters, and follow no table, so no change to the
    /// warehouse's tables can add, drop or reorder them (editing the utility changes every call of it anyway).
    /// </summary>
    public static bool OverTableFreeFunctions(Finding finding, IReadOnlySet<QualifiedName> tableFree) =>
        finding.RuleId == "ETL0003" && finding.Evidence is { } e && e.TryGetValue(FunctionsEvidenceKey, out var v) &&
        v is IReadOnlyList<QualifiedName> { Count: > 0 } functions && functions.All(tableFree.Contains);

    /// <summary>How many of the FROM clause's tables the select list's stars cover together.</summary>
    private static int StarRelationCount(QuerySpecification spec, CteScope ctes, RuleContext context)
    {
        var stars = spec.SelectElements.OfType<SelectStarExpression>().ToList();
        if (stars.Count == 0) return 0;
        var relations = QueryShapes.Relations(spec.FromClause, ctes, context);
        var covered = new HashSet<SourceRelation>();
        foreach (var star in stars)
        {
            var qualifier = (IList<Identifier>?)star.Qualifier?.Identifiers ?? Array.Empty<Identifier>();
            foreach (var r in relations)
                if (r.Matches(qualifier)) covered.Add(r);
        }
        return covered.Count;
    }

    /// <summary>
    /// Every star of the query covers only what this code names the columns of (<see cref="Owned"/>): a name two
    /// of them share breaks the SELECT INTO the first time it runs, not after a change to a table elsewhere.
    /// </summary>
    private static bool StarsOverLocalTablesOnly(QuerySpecification spec, CteScope ctes, RuleContext context, int depth)
    {
        var relations = QueryShapes.Relations(spec.FromClause, ctes, context);
        var stars = spec.SelectElements.OfType<SelectStarExpression>().ToList();
        return stars.Count > 0 && stars.All(star => Owned(star, relations, ctes, context, depth));
    }

    /// <summary>A star whose columns this code decides: derived tables, CTEs and VALUES lists that name them, or tables it makes with them named.</summary>
    private static bool Owned(SelectStarExpression star, List<SourceRelation> relations, CteScope ctes, RuleContext context, int depth) =>
        IsPinned(star, relations, ctes, context, depth) || OverOwnTables(star, relations, context, depth);

    /// <summary>
    /// The star covers only table variables and #temp tables this document makes with their columns named (a star
    /// beside it over a table defined elsewhere is reported on its own): no change outside this code reaches them.
    /// </summary>
    private static bool OverOwnTables(SelectStarExpression star, List<SourceRelation> relations, RuleContext context, int depth)
    {
        var qualifier = (IList<Identifier>?)star.Qualifier?.Identifiers ?? Array.Empty<Identifier>();
        bool any = false;
        foreach (var r in relations)
        {
            if (!r.Matches(qualifier)) continue;
            if (r.Reference is VariableTableReference) { any = true; continue; }
            if (r.Reference is not NamedTableReference { SchemaObject.BaseIdentifier.Value: ['#', ..] name } || !NamesItsColumns(context, name, depth)) return false;
            any = true;
        }
        return any;
    }

    /// <summary>
    /// A #temp table this document makes with its columns named: CREATE TABLE, or SELECT ... INTO whose stars
    /// cover only such tables (a star over a table defined elsewhere passes on that table's columns, and with them
    /// its changes). A chain of #temp tables each made from the last is followed a few links deep.
    /// </summary>
    private static bool NamesItsColumns(RuleContext context, string name, int depth)
    {
        if (depth > 6) return false;
        bool made = false;
        foreach (var c in context.Index.OfType<CreateTableStatement>())
            if (string.Equals(c.SchemaObjectName?.BaseIdentifier?.Value, name, StringComparison.OrdinalIgnoreCase)) made = true;
        foreach (var s in context.Index.OfType<SelectStatement>())
        {
            if (!string.Equals(s.Into?.BaseIdentifier?.Value, name, StringComparison.OrdinalIgnoreCase)) continue;
            var specs = new List<QuerySpecification>();
            QueryShapes.OutputSpecifications(s.QueryExpression, specs);
            var ctes = new CteScope(s.WithCtesAndXmlNamespaces);
            if (specs.Any(q => q.SelectElements.Any(e => e is SelectStarExpression) && !StarsOverLocalTablesOnly(q, ctes, context, depth + 1))) return false;
            made = true;
        }
        return made;
    }

    /// <summary>A star is harmless when everything it covers is a derived table, CTE, VALUES list or table variable that names its own columns (a star inside over tables this code makes with named columns included).</summary>
    private static bool IsPinned(SelectStarExpression star, List<SourceRelation> relations, CteScope ctes, RuleContext context, int depth)
    {
        var qualifier = (IList<Identifier>?)star.Qualifier?.Identifiers ?? Array.Empty<Identifier>();
        bool any = false;
        foreach (var r in relations)
        {
            if (!r.Matches(qualifier)) continue;
            any = true;
            if (r.Reference is InlineDerivedTable or VariableTableReference) continue; // a table variable's columns are declared in the same module
            if (r.Query is null || depth > 4) return false;
            var specs = new List<QuerySpecification>();
            QueryShapes.OutputSpecifications(r.Query, specs);
            foreach (var spec in specs)
            {
                List<SourceRelation>? inner = null;
                foreach (var e in spec.SelectElements)
                {
                    if (e is not SelectStarExpression innerStar) continue;
                    inner ??= QueryShapes.Relations(spec.FromClause, ctes, context);
                    if (!Owned(innerStar, inner, ctes, context, depth + 1)) return false;
                }
            }
        }
        return any;
    }

    private static string? Expansion(RuleContext context, SelectStarExpression star, List<SourceRelation> relations)
    {
        var covered = QueryShapes.Covered(star, relations);
        if (covered is null) return null;
        bool qualify = star.Qualifier is not null || relations.Count > 1;
        var items = new List<string>();
        foreach (var r in covered)
        {
            var qualifier = star.Qualifier is not null ? context.TextOf(star.Qualifier) : r.Qualifier;
            if (qualify && qualifier.Length == 0) return null;
            foreach (var column in r.Columns!)
            {
                if (column.Length == 0) return null; // an unnamed expression in a derived table cannot be named
                items.Add(qualify ? $"{qualifier}.{QuoteName(column)}" : QuoteName(column));
            }
        }
        int column0 = ColumnOf(context, star.StartOffset);
        return WrapList(items, column0, column0, NewlineOf(context.Document.Text));
    }

    private static List<RelatedLocation>? RelatedTables(RuleContext context, SelectStarExpression star, List<SourceRelation> relations)
    {
        var qualifier = (IList<Identifier>?)star.Qualifier?.Identifiers ?? Array.Empty<Identifier>();
        List<RelatedLocation>? related = null;
        foreach (var r in relations)
            if (r.Matches(qualifier) && r.Table?.Location is { } location)
                (related ??= new List<RelatedLocation>()).Add(context.Related(location, $"{r.Table.Name} defines the columns * stands for"));
        return related;
    }

    /// <summary>`SELECT TOP (0) * INTO #x FROM t` and `... WHERE 1 = 0`: copying a table's shape, not its data.</summary>
    private static bool IsShapeCopy(QueryExpression? query)
    {
        if (query is not QuerySpecification spec) return false;
        if (spec.TopRowFilter?.Expression is { } top && AsLiteral(top, out _) is IntegerLiteral { Value: "0" }) return true;
        var where = spec.WhereClause?.SearchCondition;
        while (where is BooleanParenthesisExpression p) where = p.Expression;
        return where is BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } c &&
               AsLiteral(c.FirstExpression, out _) is IntegerLiteral a && AsLiteral(c.SecondExpression, out _) is IntegerLiteral b &&
               a.Value != b.Value;
    }
}
