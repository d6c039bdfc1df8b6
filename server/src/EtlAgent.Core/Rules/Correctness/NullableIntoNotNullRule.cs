using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.CatalogRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// A NOT NULL column written from a value that can be NULL: a nullable column, the outer side of
/// an outer join, a subquery, a CASE without ELSE. One NULL fails the whole statement (error 515).
/// </summary>
public sealed class NullableIntoNotNullRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0006", "nullable-into-not-null", "Nullable value written to a NOT NULL column", Severity.Warning, "Correctness",
        new RuleDoc(
            "An INSERT, UPDATE or MERGE writes a value that can be NULL into a NOT NULL column: a nullable source column (staging tables usually are), a column from the outer side of a LEFT JOIN (a lookup that found nothing), a scalar subquery, a CASE without ELSE, NULLIF or TRY_CAST. The first NULL fails the whole statement with error 515, usually in production on a night when the source sent an incomplete row. Decide what a missing value means: replace it (ISNULL(x, <unknown member>)), filter the row out (WHERE x IS NOT NULL, which the check understands, as it does inner joins and other predicates that reject NULL; after an OR, each row satisfies one branch, so `COALESCE(NULLIF(a, ''), b + ' x')` under `WHERE LEN(a) > 0 OR b IS NOT NULL` is not NULL: `LEN(a) > 0` and `a <> ''` also rule out the empty value NULLIF turns into NULL), or make the column nullable. Earlier statements of the same procedure count: an UPDATE that gives the column a value in every row (ISNULL, COALESCE, a constant), or in the rows WHERE it IS NULL, and a DELETE of the rows where it is NULL, hold until an INSERT, a procedure call or a branch that may not run says otherwise; an inline function's columns computed from its parameters are NULL only when an argument is; `CASE WHEN k IS NULL THEN 1 ELSE k END` (or `WHEN k IS NOT NULL THEN k`, or `WHEN k = '' OR k IS NULL THEN ...`) is NULL only when a branch other than k's can be, also through #temp tables made by SELECT INTO. A derived table's filter holds for the columns it passes on, `(SELECT * FROM #T WHERE c IS NOT NULL) AS s` included. A LEFT JOIN to a table an earlier statement of the procedure filled from every row of the joined one (`INSERT INTO T (k) SELECT k FROM X`, no filter, and nothing written to T or X since, on every path) finds a match for each row of X whose k is not NULL: `X LEFT JOIN T ON T.k = X.k` then reads T's columns as declared (a group key table's IDENTITY key is not NULL). So does a LEFT JOIN to a #temp table filled from all rows of a table S that pass a filter (`SELECT DISTINCT s.k ... FROM S AS s LEFT JOIN ... WHERE <conditions on s>`) from one whose keys came from rows of S passing at least those conditions (more of them, or `c IN (...)` with fewer values; through CTEs and UNION ALL; an OR-ed branch that keeps only NULL keys aside), or from rows that an inner join matched with the joined table's key, with S, the joined table and the variables the conditions name unchanged in between (an UPDATE of other columns changes nothing). A statement that writes several such columns gets one finding that names them all. When the column declares a constant DEFAULT, the fix wraps the value in ISNULL(value, <that default>), which is what the table itself would store for a missing value. A variable set to a value that is never NULL (`SET @now = GETDATE()`) holds it until a branch that may not run, a call or another assignment says otherwise. A statement that keeps only rows comparing a variable (`WHERE h.BatchId = @batch`, an inner join's ON) writes that variable only where it has a value; when @batch is declared without a value and set by nothing but a lookup `SELECT @batch = r.BatchId, @at = r.StartedAt FROM Etl.Run AS r WHERE r.RunId = @RunId` (no aggregate), a value in @batch means the lookup found a row, so those rows also have @RunId (assigned nowhere in the body) and @at (set by nothing else, from a NOT NULL column): with no run found the load writes nothing. A column declared NULL that every writer of the workspace fills is read as a value: the table has at least one writer, each of its INSERT, MERGE ... INSERT and SELECT INTO statements names the column with a value that is never NULL (a constant, GETDATE(), such a variable, COALESCE with such a fallback, a call of a user function without arguments whose every RETURN gives such a value) or with a column of another server's or database's table (a four-part name, or a database named by a SQLCMD variable other than $(DatabaseName)), whose NULLs are not known here, as they are not for a direct read of it, no UPDATE gives it one that may be NULL, and no writer is unreadable (INSERT ... EXEC, BULK INSERT, OUTPUT INTO, or dynamic SQL naming the table whose text cannot be rebuilt: a string built from literals and variables assigned once, with run-time parts such as a file path read as placeholders, is read like the procedure's own statements, unless a table name in it is built at run time). Each database project (.sqlproj) is its own database: a writer in another project that defines its own table of the name writes that table, not the reader's. A three-part name of a database the workspace (or the same file) reads other undefined objects of is that database's table, not the local one of the same schema and name: its NULLs are not known, and it is not reported. Loads from outside the workspace (a tool, a table name passed to dynamic SQL as a parameter) are not seen; declaring the column NOT NULL states that contract where both the database and this check see it.",
            Bad: "CREATE PROCEDURE Etl.LoadCustomer AS\nBEGIN\n    INSERT INTO Dim.Customer (CustomerCode, [Customer Name], [Geography Key])\n    SELECT s.CustomerCode, s.[Customer Name], g.[Geography Key]\n    FROM Staging.Customer AS s\n    LEFT JOIN Dim.Geography AS g ON g.PostalCode = s.PostalCode\n    WHERE s.CustomerCode IS NOT NULL;\nEND",
            Good: "CREATE PROCEDURE Etl.LoadCustomer AS\nBEGIN\n    INSERT INTO Dim.Customer (CustomerCode, [Customer Name], [Geography Key])\n    SELECT s.CustomerCode, ISNULL(s.[Customer Name], N'Unknown'), ISNULL(g.[Geography Key], -1)\n    FROM Staging.Customer AS s\n    LEFT JOIN Dim.Geography AS g ON g.PostalCode = s.PostalCode\n    WHERE s.CustomerCode IS NOT NULL;\nEND",
            Schema: "CREATE TABLE Dim.Customer ([Customer Key] int IDENTITY NOT NULL PRIMARY KEY, CustomerCode nvarchar(20) NOT NULL, [Customer Name] nvarchar(100) NOT NULL DEFAULT (N'Unknown'), [Geography Key] int NOT NULL CONSTRAINT DF_Customer_Geography DEFAULT ((-1)));\nCREATE TABLE Dim.Geography ([Geography Key] int NOT NULL PRIMARY KEY, PostalCode nvarchar(10) NOT NULL);\nCREATE TABLE Staging.Customer (CustomerCode nvarchar(20) NULL, [Customer Name] nvarchar(100) NULL, PostalCode nvarchar(10) NULL);"));

    public override void Check(RuleContext context)
    {
        var seen = new HashSet<(int, string)>();
        foreach (var t in context.Transformations)
        {
            // One finding per statement: a 40-column load from a nullable staging table is one defect to
            // decide about, not 40. It sits on the first such value and lists the others.
            foreach (var statement in t.Assignments.Where(a => Offends(a) && !InAnotherDatabase(context, a)).GroupBy(a => a.Statement))
            {
                var values = new List<(ColumnAssignment A, ColumnDef Column, TSqlFragment At)>();
                foreach (var a in statement)
                {
                    var at = a.Source ?? a.Statement;
                    if (seen.Add((at.StartOffset, a.TargetColumn!.Name))) values.Add((a, a.TargetColumn!, at));
                }
                if (values.Count == 0) continue;
                values.Sort((x, y) => x.At.StartOffset.CompareTo(y.At.StartOffset));
                Report(context, values);
            }
        }
    }

    private static bool Offends(ColumnAssignment a) =>
        a.TargetColumn is { Nullable: false, IsGenerated: false } && a.Origin.Nullable == true &&
        a.Statement is InsertStatement or UpdateStatement or MergeStatement;

    /// <summary>
    /// The value is NULL-able only as a local table's column declares it, and the statement names that table by a
    /// three-part name of a database the workspace reads other undefined objects of (a stand-in or an external object
    /// carries the database's name, or the document names one the catalog does not know; `check` has no stand-ins):
    /// the catalog took another database's table for the local one of the same name.
    /// </summary>
    private static bool InAnotherDatabase(RuleContext context, ColumnAssignment a)
    {
        if (!a.Origin.NullableAsDeclared || a.Origin.Sources.Count != 1) return false;
        string? source = null;
        foreach (var s in a.Origin.Sources) source = s;
        int dot = source!.LastIndexOf('.');
        if (dot <= 0) return false;
        var table = QualifiedName.Parse(source[..dot]);
        int start = a.Statement.StartOffset, end = start + a.Statement.FragmentLength;
        foreach (var n in context.Index.OfType<NamedTableReference>())
        {
            if (n.StartOffset < start || n.StartOffset >= end || n.SchemaObject?.DatabaseIdentifier?.Value is not { } database) continue;
            var name = Catalog.DdlReader.NameOf(n.SchemaObject);
            if (name.WithoutDatabase != table || context.Catalog.Find(name)?.Name != table) continue;
            if (context.Catalog.StandIns.Any(o => string.Equals(o.Name.Database, database, StringComparison.OrdinalIgnoreCase)) ||
                context.Catalog.All.Any(o => o.Name.Database is { } d && string.Equals(d, database, StringComparison.OrdinalIgnoreCase)) ||
                context.Index.OfType<NamedTableReference>().Any(o => o.SchemaObject is { } other &&
                    string.Equals(other.DatabaseIdentifier?.Value, database, StringComparison.OrdinalIgnoreCase) &&
                    context.Catalog.Find(Catalog.DdlReader.NameOf(other)) is null))
                return true;
        }
        return false;
    }

    private static void Report(RuleContext context, List<(ColumnAssignment A, ColumnDef Column, TSqlFragment At)> values)
    {
        const string consequence = "the first NULL fails the whole statement (error 515). Replace NULLs with the value a missing one should get (ISNULL), filter those rows out, or make the column nullable.";
        var fixes = values.Select(v => Fix(context, v.A, v.Column, IsNull(v.A), named: values.Count > 1)).Where(f => f is not null).Cast<Fix>().ToList();
        var (first, column, at) = values[0];
        var sources = values.Select(v => DeclaredNullableSource(context, v.A)).ToList();
        var evidence = sources.All(s => s is not null)
            ? new Dictionary<string, object?> { [SourcesEvidenceKey] = sources.Select(s => s!.Value).ToList() }
            : null;
        if (values.Count == 1)
        {
            var target = ColumnDisplay(first.Table, column.Name);
            var what = IsNull(first)
                ? $"NULL is written to {target}, which is NOT NULL"
                : $"'{Abbreviate(context.TextOf(at))}' can be NULL{Why(context, first)} but {target} is NOT NULL";
            var declared = column.Location is null ? null : new[] { context.Related(column.Location, $"{target} is declared NOT NULL here") };
            context.Report(at, $"{what}: {consequence}", Severity.Error, evidence, fixes, declared);
            return;
        }

        // Several columns: the first fix applies every column's fix at once, then each is offered alone.
        if (fixes.Count > 1)
            fixes.Insert(0, context.Fix($"Replace NULL with the columns' defaults ({fixes.Count} columns)", fixes.SelectMany(f => f.Edits).ToArray()));
        var columns = string.Join(", ", values.Select(v => QuoteName(v.Column.Name)).Distinct(StringComparer.OrdinalIgnoreCase));
        var related = values.Select(v => context.Related(context.Document.LocationOf(v.At),
            IsNull(v.A) ? $"NULL is written to {QuoteName(v.Column.Name)}" : $"'{Abbreviate(context.TextOf(v.At))}' can be NULL{Why(context, v.A)}; it is written to {QuoteName(v.Column.Name)}")).ToList();
        context.Report(at,
            $"Values that can be NULL are written to NOT NULL columns of {first.Table} ({columns}): {consequence}",
            Severity.Error, evidence, fixes, related);
    }

    /// <summary>
    /// Evidence key: for each value of the finding, the table column it copies, when that column's declared
    /// NULL is the only reason the value can be NULL. Set only when every value has one; the workspace step
    /// drops the finding when every writer of those columns fills them (<see cref="FilledColumns"/>).
    /// </summary>
    public const string SourcesEvidenceKey = "declaredNullableSources";

    /// <summary>
    /// A finding whose every value copies a column every writer of the workspace fills is dropped (null);
    /// any other is kept as it is. Known only once the whole workspace is scanned.
    /// </summary>
    public static bool FilledByEveryWriter(Finding finding, FilledColumns filled) =>
        finding.RuleId == "ETL0006" && finding.Evidence is { } e && e.TryGetValue(SourcesEvidenceKey, out var v) &&
        v is IReadOnlyList<(QualifiedName Table, string Column)> { Count: > 0 } sources && sources.All(s => filled.IsFilled(s.Table, s.Column, finding.Location.File));

    private static (QualifiedName Table, string Column)? DeclaredNullableSource(RuleContext context, ColumnAssignment a)
    {
        if (!a.Origin.NullableAsDeclared || a.Origin.Sources.Count != 1) return null;
        string? source = null;
        foreach (var s in a.Origin.Sources) source = s;
        int dot = source!.LastIndexOf('.');
        if (dot <= 0) return null;
        var table = SourceTable(context, source[..dot]);
        return table?.FindColumn(source[(dot + 1)..]) is { Nullable: true } column ? (table.Name, column.Name) : null;
    }

    /// <summary>
    /// The table a lineage source names ("Schema.Table"): a table whose name holds a dot (`staging.[Order.Lines]`) is
    /// read as schema and the rest when the name does not resolve as written.
    /// </summary>
    private static TableDef? SourceTable(RuleContext context, string table)
    {
        if (context.Catalog.Find(QualifiedName.Parse(table)) is { } found) return found;
        int dot = table.IndexOf('.');
        return dot > 0 ? context.Catalog.Find(new QualifiedName(table[..dot], table[(dot + 1)..])) : null;
    }

    private static bool IsNull(ColumnAssignment a) => AsLiteral(a.Source, out _) is NullLiteral;

    /// <summary>Why the value can be NULL, when a single column is copied.</summary>
    private static string Why(RuleContext context, ColumnAssignment a)
    {
        var e = a.Source as ScalarExpression;
        while (e is ParenthesisExpression p) e = p.Expression;
        if (e is not ColumnReferenceExpression || a.Origin.Sources.Count != 1) return "";
        string? source = null;
        foreach (var s in a.Origin.Sources) source = s;
        int dot = source!.LastIndexOf('.');
        if (dot <= 0) return "";
        var table = SourceTable(context, source[..dot]);
        var column = table?.FindColumn(source[(dot + 1)..]);
        if (column is null) return "";
        return column.Nullable
            ? $" ({ColumnDisplay(table!.Name, column.Name)} is nullable)"
            : $" (it comes from the outer side of an outer join: no matching row gives NULL)";
    }

    /// <summary>
    /// A fix only where it is what the table itself would do: the column declares a constant DEFAULT,
    /// and that constant keeps its value in the source's type (ISNULL returns the first argument's type).
    /// </summary>
    private static Fix? Fix(RuleContext context, ColumnAssignment a, ColumnDef column, bool isNull, bool named)
    {
        var of = named ? $"the default of {QuoteName(column.Name)}," : "the column's default";
        var constant = ConstantDefault(column.Default);
        if (constant is null || a.Source is not ScalarExpression source) return null;
        if (isNull)
            return context.Fix($"Write {of} {constant}", context.Replace(source, constant));
        if (a.Origin.Type is not { } type) return null;
        var literal = ParseConstant(constant, out bool negative);
        if (literal is null || ConstantFits(literal, negative, type) != true) return null;
        return context.Fix($"Replace NULL with {of} {constant}", context.Replace(source, $"ISNULL({context.TextOf(source)}, {constant})"));
    }
}
