using System.Globalization;
using System.Text.RegularExpressions;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Rules.Correctness;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Performance;

/// <summary>
/// A function or arithmetic wrapped around a column in a WHERE or JOIN ON predicate of a load:
/// the optimizer cannot seek an index on the column and scans the whole table instead.
/// </summary>
public sealed class NonSargableFilterRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0016", "non-sargable-filter", "Function applied to a column in a filter or join predicate", Severity.Information, "Performance",
        new RuleDoc(
            "When a predicate wraps the column in a function or expression (`YEAR(o.[Order Date]) = 2016`, `ISNULL(c.Code, '') = @c`, `LTRIM(RTRIM(col)) = @x`, `col + 1 = @x`, `DATEADD(day, 1, col) > @cutoff`), SQL Server has to compute it for every row: an index on the column cannot be used for a seek, estimates are guesses, and an incremental load that should touch yesterday's rows scans the whole history. " +
            "Compare the bare column instead and move the computation to the other side: a half-open date range instead of YEAR()/CONVERT(date, ...), the inverse DATEADD on the parameter, LIKE 'prefix%' instead of LEFT(). Reported only in procedures and scripts that write data; predicates on #temp tables and table variables are ignored. " +
            "A fix is offered only where the range form is exactly equivalent: YEAR(col) compared with an integer literal, on a date/datetime/datetime2/smalldatetime column known to the catalog. " +
            "CAST/CONVERT(date, col) of a date/time column is not reported: SQL Server seeks through that conversion (a dynamic range seek), so the bare-column rewrite gains nothing; the conversion of a column the catalog types as text still is. " +
            "Neither are validity filters (`ISNUMERIC(x) = 1`, `ISDATE(x) = 1`, a not-empty test `LEN(x) > 0`), which no index serves in any form, nor an unqualified column that only a #temp table or table variable of the statement, or a table it already finds by a key (below), can hold, nor a predicate under NOT of a combination (`NOT (a = 'T' AND ISNULL(b, 'F') = 'F')`, which seeks nothing in any form), nor, inside a correlated subquery, a column of the outer query (one value per outer row, computed once for it). " +
            "In a JOIN ON, a computed value compared with a bare column of the other table is not reported: that table's index can still drive the join. Neither is an inequality with a value (`ISNULL(c, -1) <> @excluded` seeks nothing whether the column stands bare or not), an inequality computed on both sides from columns (`ISNULL(t.a, '') <> ISNULL(s.a, '')`, a change test no index serves), an expression over two tables' columns (`p.Roles & l.Flag > 0`), a column of a derived table of constants or of an aggregate (no index), nor an equality computed on both sides between two tables the statement already joins by an equality of bare columns (`ISNULL(a.batch, 1) = ISNULL(b.batch, 1)` beside `a.id = b.id`: that equality drives the join, the computed one only filters the pairs; a computed equality that is the only link between the two is still reported), nor a predicate on a table the statement already finds by an equality of a bare column with a parameter or variable (`run_key = @run_key AND ISNULL(status, '') = 'Failed'`: the rows are sought by the key and the function only filters them; an equality through a join counts too, and so does a join to a #temp table, table variable or STRING_SPLIT/OPENJSON list, which drives the join: `FROM #work AS w JOIN dbo.Case AS c ON c.Id = w.Id WHERE UPPER(c.Status) = 'OPEN'`), nor, in a JOIN ON, a predicate on a table the statement joins by an equality of bare columns (the key finds its rows; the function only filters the pairs), nor a column a derived table computes (`CASE ... END AS Kind`), nor a predicate on (or matched against) a catalog view or DMV (`sys.*`, INFORMATION_SCHEMA, the SQL Server 2000 compatibility views such as `syscolumns`) or OPENJSON, OPENXML or STRING_SPLIT output (also unaliased, as a subquery's only source: `FROM STRING_SPLIT(@list, ',') WHERE TRY_CAST(value AS int) = t.Id`), which have no index, nor a column of a table or view whose name marks it as reference data (a word of the name is code, lookup, metadata, config, setting and the like: a few rows, which no index is worth seeking) filtered by a value and written by no statement of the same file (one the file writes, such as a metadata buffer purged by date, is live data, and a computed match with another table's column leaves no index to drive the join: both still reported).",
            Bad: "CREATE PROCEDURE Etl.LoadSales2016 AS\nBEGIN\n    INSERT INTO Fact.Sales ([Order ID], Amount)\n    SELECT o.[Order ID], o.Amount\n    FROM Staging.Orders AS o\n    WHERE YEAR(o.[Order Date]) = 2016;\nEND",
            Good: "CREATE PROCEDURE Etl.LoadSales2016 AS\nBEGIN\n    INSERT INTO Fact.Sales ([Order ID], Amount)\n    SELECT o.[Order ID], o.Amount\n    FROM Staging.Orders AS o\n    WHERE o.[Order Date] >= '20160101' AND o.[Order Date] < '20170101';\nEND",
            Schema: "CREATE TABLE Staging.Orders ([Order ID] int NOT NULL, [Order Date] datetime2(3) NOT NULL, Amount decimal(18,2) NULL);\nCREATE TABLE Fact.Sales ([Order ID] int NOT NULL, Amount decimal(18,2) NULL);"));

    private sealed record Scope(RuleContext Context, List<TableSource> Sources, Tables Tables, TransformationAnalysis Transformation, string Clause)
    {
        /// <summary>Sources the statement already seeks by an equality with a parameter or variable (directly or through a join equality).</summary>
        public HashSet<TableSource> Seeked { get; init; } = new();

        /// <summary>Pairs of sources a conjunct already joins by an equality of bare columns (`a.id = b.id`).</summary>
        public List<(TableSource A, TableSource B)> Linked { get; init; } = new();
    }

    public override void Check(RuleContext context)
    {
        var index = context.Index;
        var loads = new Dictionary<TransformationAnalysis, bool>(ReferenceEqualityComparer.Instance);
        var transformations = new TransformationLookup(context);
        Tables? tables = null;

        void Spec(TSqlFragment spec, FromClause? from, WhereClause? where, TableReference? target)
        {
            if (where?.SearchCondition is null && from is null) return;
            var t = transformations.At(spec);
            if (t is null) return;
            if (!loads.TryGetValue(t, out bool isLoad)) loads[t] = isLoad = IsLoad(context, t);
            if (!isLoad) return;
            tables ??= new Tables(context);
            var sources = Sources(from);
            AddUnaliasedRowsets(from, sources);
            if (target is not null && sources.Count == 0) AddSources(target, false, sources);
            var conditions = new List<BooleanExpression>();
            if (where?.SearchCondition is { } wc) conditions.Add(wc);
            foreach (var j in JoinTree.Joins(from).OfType<QualifiedJoin>())
                if (j.SearchCondition is { } onc) conditions.Add(onc);
            var linked = new List<(TableSource, TableSource)>();
            var seeked = Seeked(sources, tables, conditions, linked);
            if (where?.SearchCondition is { } w) Walk(new Scope(context, sources, tables, t, "WHERE") { Seeked = seeked, Linked = linked }, w, false);
            foreach (var j in JoinTree.Joins(from).OfType<QualifiedJoin>())
                if (j.SearchCondition is { } on) Walk(new Scope(context, sources, tables, t, "JOIN ON") { Seeked = seeked, Linked = linked }, on, false);
        }

        foreach (var q in index.OfType<QuerySpecification>()) Spec(q, q.FromClause, q.WhereClause, null);
        foreach (var u in index.OfType<UpdateSpecification>()) Spec(u, u.FromClause, u.WhereClause, u.Target);
        foreach (var d in index.OfType<DeleteSpecification>()) Spec(d, d.FromClause, d.WhereClause, d.Target);
        foreach (var m in index.OfType<MergeSpecification>())
        {
            if (m.SearchCondition is null) continue;
            var t = transformations.At(m);
            if (t is null) continue;
            if (!loads.TryGetValue(t, out bool isLoad)) loads[t] = isLoad = IsLoad(context, t);
            if (!isLoad) continue;
            tables ??= new Tables(context);
            var sources = new List<TableSource>();
            AddSources(m.Target, false, sources);
            AddSources(m.TableReference, false, sources);
            Walk(new Scope(context, sources, tables, t, "MERGE ON"), m.SearchCondition, false);
        }
    }

    /// <summary>A procedure or script that writes: reads in views, functions and read-only procedures are not loads.</summary>
    private static bool IsLoad(RuleContext context, TransformationAnalysis t)
    {
        if (t.Transformation.Kind == TransformationKind.Script) return true;
        if (t.Transformation.Kind != TransformationKind.Procedure) return false;
        if (t.Transformation.Writes.Count > 0) return true;
        if (t.Syntax.Definition is not { } def) return false;
        var index = context.Index;
        return AnyWithin(index.OfType<InsertStatement>(), def) || AnyWithin(index.OfType<UpdateStatement>(), def) ||
               AnyWithin(index.OfType<DeleteStatement>(), def) || AnyWithin(index.OfType<MergeStatement>(), def) ||
               AnyWithin(index.OfType<SelectStatement>(), def, s => s.Into is not null);
    }

    /// <summary>Visits the predicates of a condition; nested queries have their own WHERE and are checked there.</summary>
    private static void Walk(Scope scope, BooleanExpression e, bool underNot)
    {
        switch (e)
        {
            case BooleanBinaryExpression b:
                Walk(scope, b.FirstExpression, false);
                Walk(scope, b.SecondExpression, false);
                break;
            case BooleanParenthesisExpression p:
                Walk(scope, p.Expression, false);
                break;
            // NOT (a AND b), NOT (a OR b): the negation of a combination seeks nothing in any form,
            // so a function inside it loses no seek
            case BooleanNotExpression n when Unparen(n.Expression) is BooleanBinaryExpression:
                break;
            case BooleanNotExpression n:
                Walk(scope, n.Expression, true);
                break;
            case BooleanComparisonExpression c:
                if (!Check(scope, c, c.FirstExpression, c.SecondExpression, c.ComparisonType, underNot, reversed: false))
                    Check(scope, c, c.SecondExpression, c.FirstExpression, c.ComparisonType, underNot, reversed: true);
                break;
            case BooleanTernaryExpression t:
                Check(scope, t, t.FirstExpression, null, null, underNot, false);
                break;
            case LikePredicate l:
                Check(scope, l, l.FirstExpression, l.SecondExpression, null, underNot, false);
                break;
            case InPredicate { Subquery: null } i:
                Check(scope, i, i.Expression, null, null, underNot, false);
                break;
        }
    }

    /// <summary>Reports when <paramref name="side"/> wraps a column; returns whether it did.</summary>
    private static bool Check(Scope scope, BooleanExpression predicate, ScalarExpression? side, ScalarExpression? other,
        BooleanComparisonType? comparison, bool underNot, bool reversed)
    {
        if (side is null) return false;
        var wrapped = Unparen(side);
        if (!IsWrapper(wrapped)) return false;
        // In a join, a computed value matched against a bare column of the other table still lets that table's index drive the join.
        if (scope.Clause != "WHERE" && other is not null && IsColumn(Unparen(other))) return false;
        bool inequality = comparison is BooleanComparisonType.NotEqualToBrackets or BooleanComparisonType.NotEqualToExclamation;
        // An inequality with a value (`ISNULL(c, -1) <> @excluded`) is no seek predicate whether or not the column stands bare.
        if (inequality && other is not null && !Descendants<ColumnReferenceExpression>(other, intoSubqueries: false).Any(IsColumn)) return false;
        // A change test computed on both sides (ISNULL(t.a, '') <> ISNULL(s.a, '')): an inequality between
        // two rows' values, which no index serves whichever side stood bare.
        if (inequality && other is not null && IsWrapper(Unparen(other)) && Descendants<ColumnReferenceExpression>(other, intoSubqueries: false).Any(IsColumn)) return false;
        // `ISNULL(a.batch, 1) = ISNULL(b.batch, 1)` where a and b are already joined by a bare equality (`a.id = b.id`):
        // that equality drives the join, and the computed comparison only filters the pairs it finds.
        if (other is not null && IsWrapper(Unparen(other)) && AlreadyJoined(scope, wrapped, other)) return false;
        // Matched against a catalog view or a parsed rowset: that side drives the comparison, and has no index either.
        if (other is not null && Descendants<ColumnReferenceExpression>(other, intoSubqueries: false)
                .Any(c => IsColumn(c) && SourceOf(c, scope.Sources, scope.Tables.Find) is { } s && HasNoIndex(s.Reference))) return false;
        var columns = Descendants<ColumnReferenceExpression>(wrapped, intoSubqueries: false);
        if (Descendants<ScalarSubquery>(wrapped).Count > 0) return false;
        // `ISNUMERIC(x) = 1`, `LEN(x) > 0`: a validity filter keeps or drops rows by a property of the value
        // that no index orders by, and has no bare-column form that could seek.
        if (IsValidityFilter(wrapped, other, comparison, reversed)) return false;
        // CAST/CONVERT(date, col) of a date/time column: SQL Server seeks through it (a dynamic range
        // seek), so the column is sought as well as a bare one would be. A column known to hold text
        // converted to date is still reported; of an unknown type it most likely holds a date.
        if (ToDate(wrapped, out var dateArg) && Unparen(dateArg) is ColumnReferenceExpression dateColumn && IsColumn(dateColumn)
            && TypeOf(scope, dateColumn) is null or "date" or "datetime" or "datetime2" or "smalldatetime")
            return false;
        ColumnReferenceExpression? column = null;
        TableSource? first = null;
        foreach (var c in columns)
        {
            if (!IsColumn(c)) continue;
            var source = SourceOf(c, scope.Sources, scope.Tables.Find);
            // a column of an enclosing query (a correlated subquery's outer row): one value per outer row,
            // computed once for it, with nothing of this query's tables to seek
            if (source is null && Qualifier(c) is not null && scope.Sources.Count > 0) continue;
            // an unqualified column no catalogued table of the statement has: it comes from a #temp table or
            // table variable whose columns are not declared (SELECT ... INTO #t), which has no index worth seeking,
            // or from a table the statement already finds by a key (joined to such a work list), which the function only filters
            if (source is null && OnlyUnindexedCanHold(scope, c)) return false;
            // `p.Roles & l.Flag > 0`: an expression over two tables' columns, which no index of either serves
            if (source is not null && first is not null && source != first) return false;
            first ??= source;
            if (source?.Table is { IsLocal: true }) return false; // #temp / @table: no index worth seeking
            // `CASE ... END AS DATA_TYPE` of a derived table: a value the query computes, which no index holds
            if (IsComputedDerivedColumn(scope, c, source)) return false;
            // in a JOIN ON, a table the statement joins by a bare-column equality is found by that key; the function only filters the pairs
            if (source is not null && scope.Clause == "JOIN ON" && scope.Linked.Any(l => l.A == source || l.B == source)) return false;
            if (source is not null && HasNoIndex(source.Reference)) return false;
            // a code list, lookup, metadata or settings table (by its name) that no statement of this file writes, filtered
            // by a value: a few rows, scanned for nothing. One the file writes (`mq.MetadataBuffer` purged by date) is live
            // data, and a computed match with another table's column (`UPPER(c.code) = UPPER(p.data_type)`) leaves no
            // index to drive the join: both reported.
            if (source?.Table is { } table && ReferenceTableNames.IsReference(table) &&
                !scope.Context.Transformations.Any(t => t.Transformation.Writes.Contains(table)) &&
                !MatchedWithAnotherTable(scope, other, source)) return false;
            // `run_key = @run_key AND ISNULL(status, '') = 'Failed'`: the rows are found by the key; the function only filters them
            if (source is not null && scope.Seeked.Contains(source)) return false;
            column ??= c;
        }
        if (column is null) return false;

        var context = scope.Context;
        var (what, advice, fix) = Advise(scope, predicate, wrapped, column, other, comparison, underNot, reversed);
        context.Report(predicate,
            $"{what} is applied to {Short(context, column)} in a {scope.Clause} predicate, so an index on the column cannot be used for a seek and the expression is computed for every row. {advice}",
            fix is null ? null : new[] { fix });
        return true;
    }

    /// <summary>
    /// Whether the column is one a derived table of the statement computes (its select item is not a bare column):
    /// by its qualifier, or unqualified when a derived table has a computed column of that name (another source
    /// holding it too would make the name ambiguous, which SQL Server rejects).
    /// </summary>
    private static bool IsComputedDerivedColumn(Scope scope, ColumnReferenceExpression column, TableSource? source)
    {
        if (ColumnName(column) is not { } name) return false;
        var candidates = source is not null ? new List<TableSource> { source }
            : Qualifier(column) is null ? scope.Sources.Where(s => s.Reference is QueryDerivedTable).ToList() : new List<TableSource>();
        foreach (var s in candidates)
            if (s.Reference is QueryDerivedTable d && OutputOf(d, name) is { } e && Unparen(e) is not ColumnReferenceExpression) return true;
        return false;

        static ScalarExpression? OutputOf(QueryDerivedTable d, string name)
        {
            var q = d.QueryExpression;
            while (q is QueryParenthesisExpression p) q = p.QueryExpression;
            if (q is not QuerySpecification spec) return null;
            for (int i = 0; i < spec.SelectElements.Count; i++)
            {
                if (spec.SelectElements[i] is not SelectScalarExpression item) continue;
                var output = d.Columns.Count > i ? d.Columns[i].Value
                    : item.ColumnName?.Value ?? (Unparen(item.Expression) is ColumnReferenceExpression bare ? ColumnName(bare) : null);
                if (output is not null && SameName(output, name)) return item.Expression;
            }
            return null;
        }
    }

    /// <summary>Whether the other side of the comparison names a column of another table of the statement.</summary>
    private static bool MatchedWithAnotherTable(Scope scope, ScalarExpression? other, TableSource source) =>
        other is not null && Descendants<ColumnReferenceExpression>(other, intoSubqueries: false)
            .Any(c => IsColumn(c) && SourceOf(c, scope.Sources, scope.Tables.Find) is { } s && s != source);

    /// <summary>
    /// Sources a conjunct of the conditions compares by a bare column with a parameter or variable
    /// (`m.run_key = @run_key`), and the sources joined to one of them by a column equality.
    /// </summary>
    private static HashSet<TableSource> Seeked(List<TableSource> sources, Tables tables, List<BooleanExpression> conditions,
        List<(TableSource A, TableSource B)> links)
    {
        var seeked = new HashSet<TableSource>();
        var conjuncts = new List<BooleanExpression>();
        foreach (var c in conditions) Conjuncts(c, conjuncts);
        foreach (var c in conjuncts)
        {
            if (c is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq) continue;
            var a = Unparen(eq.FirstExpression);
            var b = Unparen(eq.SecondExpression);
            var sa = a is ColumnReferenceExpression ca && IsColumn(ca) ? SourceOf(ca, sources, tables.Find) : null;
            var sb = b is ColumnReferenceExpression cb && IsColumn(cb) ? SourceOf(cb, sources, tables.Find) : null;
            // a #temp table, table variable or parsed rowset joined by its column is a work list that drives the
            // join: the table on the other side is sought by the key, as by a variable
            if (sa is not null && sb is not null && sa != sb && IsDriver(sb)) seeked.Add(sa);
            if (sa is not null && sb is not null && sa != sb && IsDriver(sa)) seeked.Add(sb);
            if (sa is not null && b is VariableReference) seeked.Add(sa);
            if (sb is not null && a is VariableReference) seeked.Add(sb);
            if (sa is not null && sb is not null && sa != sb) links.Add((sa, sb));
        }
        for (bool grew = seeked.Count > 0; grew;)
        {
            grew = false;
            foreach (var (x, y) in links)
            {
                if (seeked.Contains(x) && seeked.Add(y)) grew = true;
                if (seeked.Contains(y) && seeked.Add(x)) grew = true;
            }
        }
        return seeked;

        static bool IsDriver(TableSource s) => s.Table is { IsLocal: true } || HasNoIndex(s.Reference);

        static void Conjuncts(BooleanExpression e, List<BooleanExpression> into)
        {
            switch (e)
            {
                case BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.And } and:
                    Conjuncts(and.FirstExpression, into);
                    Conjuncts(and.SecondExpression, into);
                    break;
                case BooleanParenthesisExpression p:
                    Conjuncts(p.Expression, into);
                    break;
                default:
                    into.Add(e);
                    break;
            }
        }
    }

    /// <summary>Whether the columns of each side come from one source each, two different sources the statement already joins by a bare-column equality.</summary>
    private static bool AlreadyJoined(Scope scope, ScalarExpression side, ScalarExpression other)
    {
        if (scope.Linked.Count == 0 || OneSource(scope, side) is not { } a || OneSource(scope, other) is not { } b || a == b) return false;
        return scope.Linked.Any(l => (l.A == a && l.B == b) || (l.A == b && l.B == a));

        static TableSource? OneSource(Scope scope, ScalarExpression e)
        {
            TableSource? found = null;
            foreach (var c in Descendants<ColumnReferenceExpression>(e, intoSubqueries: false))
            {
                if (!IsColumn(c)) continue;
                if (SourceOf(c, scope.Sources, scope.Tables.Find) is not { } s || (found is not null && found != s)) return null;
                found = s;
            }
            return found;
        }
    }

    /// <summary>
    /// The only source of a query being a rowset parsed from a value without an alias (`SELECT 1 FROM
    /// STRING_SPLIT(@list, ',') WHERE ...`), whose columns the query names unqualified (`value`): it becomes
    /// the source, so those columns are known to have no index. Beside other sources it is left out, as
    /// before, so the catalog still tells which table an unqualified column of theirs belongs to.
    /// </summary>
    private static void AddUnaliasedRowsets(FromClause? from, List<TableSource> sources)
    {
        if (from is null || sources.Count > 0) return;
        var leaves = from.TableReferences.SelectMany(r => JoinTree.Leaves(r, false)).ToList();
        if (leaves.Count == 1 && leaves[0].Source is TableReferenceWithAlias { Alias: null } rowset and not NamedTableReference && HasNoIndex(rowset))
            sources.Add(new TableSource(rowset is GlobalFunctionTableReference g ? g.Name.Value : "", rowset, null, false));
    }

    /// <summary>Catalog views, DMVs and rowsets parsed from a value (OPENJSON, OPENXML, STRING_SPLIT) have no index to seek.</summary>
    private static bool HasNoIndex(TableReference reference) => reference switch
    {
        NamedTableReference n => SystemCatalogNames.IsSystemCatalog(n.SchemaObject) ||
            ((n.SchemaObject.SchemaIdentifier?.Value is not { } schema || schema.Equals("dbo", StringComparison.OrdinalIgnoreCase)) && SystemCatalogNames.LegacySystemViews.Contains(n.SchemaObject.BaseIdentifier.Value)),
        OpenJsonTableReference or OpenXmlTableReference or GlobalFunctionTableReference or InlineDerivedTable => true,
        QueryDerivedTable q => IsComputedRows(q.QueryExpression),
        _ => false,
    };

    /// <summary>Rows made by the query itself: constants (`SELECT 'a' UNION ALL SELECT 'b'`) or an aggregate (`SELECT MAX(t) FROM x`), which have no index.</summary>
    private static bool IsComputedRows(QueryExpression? q) => q switch
    {
        QueryParenthesisExpression p => IsComputedRows(p.QueryExpression),
        BinaryQueryExpression b => IsComputedRows(b.FirstQueryExpression) && IsComputedRows(b.SecondQueryExpression),
        QuerySpecification s => s.FromClause is null || s.GroupByClause is not null ||
            s.SelectElements.All(e => e is SelectScalarExpression { Expression: FunctionCall f } && Aggregates.Contains(f.FunctionName.Value)),
        _ => false,
    };

    /// <summary>
    /// Whether <paramref name="column"/> is unqualified and every source that could hold it (one the
    /// catalog does not describe, or one that has the column) is a #temp table, a table variable, has no
    /// index or is already found by a key; false when no source could.
    /// </summary>
    private static bool OnlyUnindexedCanHold(Scope scope, ColumnReferenceExpression column)
    {
        if (Qualifier(column) is not null || ColumnName(column) is not { } name) return false;
        bool any = false;
        foreach (var s in scope.Sources)
        {
            var def = scope.Tables.Find(s);
            if (def is not null && def.FindColumn(name) is null) continue;
            if (s.Table is not { IsLocal: true } && !HasNoIndex(s.Reference) && !scope.Seeked.Contains(s)) return false;
            any = true;
        }
        return any;
    }

    private static readonly HashSet<string> Validity = new(StringComparer.OrdinalIgnoreCase) { "ISNUMERIC", "ISDATE", "ISJSON" };
    private static readonly HashSet<string> Lengths = new(StringComparer.OrdinalIgnoreCase) { "LEN", "DATALENGTH" };

    /// <summary>
    /// `ISNUMERIC(x) = 1`, `ISDATE(x) <> 0` (a test of the value compared with a literal), or a not-empty
    /// test `LEN(x) > 0`, `DATALENGTH(x) <> 0`, `LEN(x) >= 1`: filters no index can serve in any form.
    /// </summary>
    private static bool IsValidityFilter(ScalarExpression wrapped, ScalarExpression? other, BooleanComparisonType? comparison, bool reversed)
    {
        if (wrapped is not FunctionCall { CallTarget: null, Parameters.Count: 1 } f || other is null || Unparen(other) is not Microsoft.SqlServer.TransactSql.ScriptDom.Literal) return false;
        var name = f.FunctionName.Value;
        if (Validity.Contains(name)) return true;
        if (!Lengths.Contains(name) || comparison is not { } c || !TryInteger(other, out var n)) return false;
        return (reversed ? Flip(c) : c) switch
        {
            BooleanComparisonType.GreaterThan or BooleanComparisonType.NotEqualToBrackets or BooleanComparisonType.NotEqualToExclamation => n == 0,
            BooleanComparisonType.GreaterThanOrEqualTo => n == 1,
            _ => false,
        };
    }

    /// <summary>The catalog type of a column, when the statement's sources tell which table it is in.</summary>
    private static string? TypeOf(Scope scope, ColumnReferenceExpression column)
    {
        var source = SourceOf(column, scope.Sources, scope.Tables.Find);
        var def = source is null ? null : scope.Tables.Find(source);
        return def?.FindColumn(ColumnName(column) ?? "")?.Type.Name;
    }

    private static readonly HashSet<string> Aggregates = new(StringComparer.OrdinalIgnoreCase) { "MAX", "MIN", "COUNT", "COUNT_BIG", "SUM", "AVG" };

    private static bool IsWrapper(ScalarExpression e) => e is FunctionCall { CallTarget: null } or CastCall or ConvertCall or TryCastCall or TryConvertCall
        or LeftFunctionCall or RightFunctionCall or BinaryExpression or CoalesceExpression or NullIfExpression or IIfCall or CaseExpression or UnaryExpression;

    private static readonly HashSet<string> DateParts = new(StringComparer.OrdinalIgnoreCase) { "YEAR", "MONTH", "DAY", "DATEPART", "DATENAME", "EOMONTH", "DATETRUNC" };
    private static readonly HashSet<string> Cleaners = new(StringComparer.OrdinalIgnoreCase) { "LTRIM", "RTRIM", "TRIM", "UPPER", "LOWER" };

    private static (string What, string Advice, Fix? Fix) Advise(Scope scope, BooleanExpression predicate, ScalarExpression wrapped,
        ColumnReferenceExpression column, ScalarExpression? other, BooleanComparisonType? comparison, bool underNot, bool reversed)
    {
        var context = scope.Context;
        var col = context.TextOf(column);
        var op = comparison is { } cmp ? (reversed ? Flip(cmp) : cmp) : (BooleanComparisonType?)null;
        switch (wrapped)
        {
            case FunctionCall f when IsYear(f, out var yearArg):
            {
                var fix = op is { } o && other is not null && Unparen(yearArg) is ColumnReferenceExpression yc && IsColumn(yc)
                    ? YearFix(scope, predicate, yc, other, o, underNot) : null;
                var example = other is not null && TryInteger(other, out var year) && year is > 0 and < 9999
                    ? $"{col} >= '{year:D4}0101' AND {col} < '{year + 1:D4}0101'"
                    : $"{col} >= '20160101' AND {col} < '20170101'";
                return ($"{f.FunctionName.Value}()", $"Compare the bare column with a date range instead, e.g. {example}.", fix);
            }
            case FunctionCall f when DateParts.Contains(f.FunctionName.Value):
                return ($"{f.FunctionName.Value.ToUpperInvariant()}()", $"Compare the bare column with the date range the condition stands for ({col} >= <first day> AND {col} < <day after the last>).", null);
            case CastCall or ConvertCall or TryCastCall or TryConvertCall:
                return ("A conversion", $"Convert the other side to the column's type instead, so {col} is compared as stored.", null);
            case FunctionCall f when f.FunctionName.Value.Equals("ISNULL", StringComparison.OrdinalIgnoreCase):
                return ("ISNULL()", $"Compare {col} directly, with an explicit 'OR {col} IS NULL' branch if rows with NULL must match.", null);
            case CoalesceExpression:
                return ("COALESCE()", $"Compare {col} directly, with an explicit 'OR {col} IS NULL' branch if rows with NULL must match.", null);
            case FunctionCall f when Cleaners.Contains(f.FunctionName.Value):
                return ($"{f.FunctionName.Value.ToUpperInvariant()}()", $"Clean the value once when it is staged and compare {col} directly (= already ignores trailing spaces, and a case-insensitive collation ignores case).", null);
            case FunctionCall f when f.FunctionName.Value.Equals("DATEADD", StringComparison.OrdinalIgnoreCase):
            {
                var example = f.Parameters.Count == 3 && other is not null && op is { } o && TryInteger(f.Parameters[1], out var amount) && ReferenceEquals(Unparen(f.Parameters[2]), column)
                    ? $"{col} {Operator(o)} DATEADD({context.TextOf(f.Parameters[0])}, {-amount}, {context.TextOf(other)})"
                    : $"{col} compared with DATEADD(<same part>, <negated amount>, <other side>)";
                return ("DATEADD()", $"Move the arithmetic to the other side: {example}.", null);
            }
            case FunctionCall f when f.FunctionName.Value.StartsWith("DATEDIFF", StringComparison.OrdinalIgnoreCase):
                return ("DATEDIFF()", $"Compare {col} with a boundary computed once on the other side, e.g. {col} < DATEADD(day, -30, @today).", null);
            case LeftFunctionCall:
            case FunctionCall f2 when f2.FunctionName.Value.Equals("SUBSTRING", StringComparison.OrdinalIgnoreCase):
                return (wrapped is LeftFunctionCall ? "LEFT()" : "SUBSTRING()", $"For a prefix test use {col} LIKE 'prefix%', which can seek.", null);
            case BinaryExpression b when IsConcatenation(scope, b):
                return ("A string concatenation", $"Compare {col} on its own with its part of the other side instead (split the value, e.g. with PARSENAME or LEFT/SUBSTRING, and compare each concatenated column with its piece), or index a computed column that holds the concatenation.", null);
            case BinaryExpression:
            case UnaryExpression:
                return ("Arithmetic", $"Move the arithmetic to the other side so {col} stands alone (e.g. {col} = @x - 1 instead of {col} + 1 = @x).", null);
            case CaseExpression or IIfCall:
                return ("A CASE expression", $"Rewrite it as ORed predicates on the bare column {col}.", null);
            case FunctionCall f:
                return ($"{f.FunctionName.Value}()", $"Compare the bare column {col} with a value computed from the other side.", null);
            default:
                return ("An expression", $"Compare the bare column {col} with a value computed from the other side.", null);
        }
    }

    /// <summary>`a + '.' + b`: a + whose operands include a string literal or a column the catalog types as text.</summary>
    private static bool IsConcatenation(Scope scope, BinaryExpression b)
    {
        if (b.BinaryExpressionType != BinaryExpressionType.Add) return false;
        bool Text(ScalarExpression e) => Unparen(e) switch
        {
            StringLiteral => true,
            BinaryExpression { BinaryExpressionType: BinaryExpressionType.Add } inner => Text(inner.FirstExpression) || Text(inner.SecondExpression),
            ColumnReferenceExpression c when IsColumn(c) => TypeOf(scope, c) is { } type && IsTextType(type),
            FunctionCall { FunctionName.Value: var f } => TextFunctions.Contains(f),
            _ => false,
        };
        return Text(b.FirstExpression) || Text(b.SecondExpression);
    }

    private static readonly HashSet<string> TextFunctions = new(StringComparer.OrdinalIgnoreCase)
        { "CONCAT", "LTRIM", "RTRIM", "TRIM", "UPPER", "LOWER", "REPLACE", "SUBSTRING", "LEFT", "RIGHT", "QUOTENAME", "FORMAT" };

    private static bool IsTextType(string type) =>
        type.EndsWith("char", StringComparison.OrdinalIgnoreCase) || type.Equals("sysname", StringComparison.OrdinalIgnoreCase)
        || type.Equals("text", StringComparison.OrdinalIgnoreCase) || type.Equals("ntext", StringComparison.OrdinalIgnoreCase);

    private static string Operator(BooleanComparisonType t) => t switch
    {
        BooleanComparisonType.Equals => "=",
        BooleanComparisonType.GreaterThan => ">",
        BooleanComparisonType.LessThan => "<",
        BooleanComparisonType.GreaterThanOrEqualTo => ">=",
        BooleanComparisonType.LessThanOrEqualTo => "<=",
        _ => "<>",
    };

    private static BooleanComparisonType Flip(BooleanComparisonType t) => t switch
    {
        BooleanComparisonType.GreaterThan => BooleanComparisonType.LessThan,
        BooleanComparisonType.LessThan => BooleanComparisonType.GreaterThan,
        BooleanComparisonType.GreaterThanOrEqualTo => BooleanComparisonType.LessThanOrEqualTo,
        BooleanComparisonType.LessThanOrEqualTo => BooleanComparisonType.GreaterThanOrEqualTo,
        _ => t,
    };

    /// <summary>YEAR(x), or DATEPART(year|yy|yyyy, x).</summary>
    private static bool IsYear(FunctionCall f, out ScalarExpression argument)
    {
        argument = null!;
        var name = f.FunctionName?.Value ?? "";
        if (name.Equals("YEAR", StringComparison.OrdinalIgnoreCase) && f.Parameters.Count == 1) { argument = f.Parameters[0]; return true; }
        if (name.Equals("DATEPART", StringComparison.OrdinalIgnoreCase) && f.Parameters.Count == 2 &&
            f.Parameters[0] is IdentifierLiteral { Value: var part } && part.ToLowerInvariant() is "year" or "yy" or "yyyy")
        {
            argument = f.Parameters[1];
            return true;
        }
        return false;
    }

    private static bool ToDate(ScalarExpression e, out ScalarExpression argument)
    {
        (DataTypeReference? type, argument, bool styled) = e switch
        {
            CastCall c => (c.DataType, c.Parameter, false),
            ConvertCall c => (c.DataType, c.Parameter, c.Style is not null),
            _ => (null, null!, false),
        };
        return !styled && argument is not null && type is SqlDataTypeReference { SqlDataTypeOption: SqlDataTypeOption.Date };
    }

    /// <summary>The catalog type of a column when it is one of the date/time types a range can replace.</summary>
    private static string? DateTypeOf(Scope scope, ColumnReferenceExpression column) =>
        TypeOf(scope, column) is var type && type is "date" or "datetime" or "datetime2" or "smalldatetime" ? type : null;

    private static (DateOnly Min, DateOnly Max) RangeOf(string type) => type switch
    {
        "smalldatetime" => (new DateOnly(1900, 1, 1), new DateOnly(2079, 6, 6)),
        "datetime" => (new DateOnly(1753, 1, 1), DateOnly.MaxValue),
        _ => (new DateOnly(1, 1, 1), DateOnly.MaxValue),
    };

    private static string Literal(DateOnly d) => "'" + d.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "'";

    private static Fix? YearFix(Scope scope, BooleanExpression predicate, ColumnReferenceExpression column, ScalarExpression other, BooleanComparisonType op, bool underNot)
    {
        if (!TryInteger(other, out var year) || year < 1 || year > 9998) return null;
        if (DateTypeOf(scope, column) is not { } type) return null;
        var first = new DateOnly((int)year, 1, 1);
        var next = new DateOnly((int)year + 1, 1, 1);
        var (min, max) = RangeOf(type);
        if (first < min || next > max) return null;
        return RangeFix(scope.Context, predicate, column, op, Literal(first), Literal(next), underNot);
    }

    /// <summary>Rewrites `f(col) op value` as the equivalent comparison(s) of the bare column with [day, next).</summary>
    private static Fix? RangeFix(RuleContext context, BooleanExpression predicate, ColumnReferenceExpression column, BooleanComparisonType op, string day, string next, bool underNot)
    {
        var col = context.TextOf(column);
        string? text = op switch
        {
            BooleanComparisonType.Equals => $"{col} >= {day} AND {col} < {next}",
            BooleanComparisonType.GreaterThanOrEqualTo => $"{col} >= {day}",
            BooleanComparisonType.GreaterThan => $"{col} >= {next}",
            BooleanComparisonType.LessThan => $"{col} < {day}",
            BooleanComparisonType.LessThanOrEqualTo => $"{col} < {next}",
            _ => null,
        };
        if (text is null) return null;
        if (underNot && op == BooleanComparisonType.Equals) text = "(" + text + ")";
        return context.Fix("Compare the bare column with a range", context.Replace(predicate, text));
    }
}
