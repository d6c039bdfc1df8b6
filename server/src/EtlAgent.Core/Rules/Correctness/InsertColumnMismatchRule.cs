using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.CatalogRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// An INSERT (or a MERGE's INSERT branch) that SQL Server rejects: the source supplies a different
/// number of values than there are target columns, or a value whose type cannot be converted
/// implicitly to its column's type (a date into an int, a uniqueidentifier into a number).
/// </summary>
public sealed class InsertColumnMismatchRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0004", "insert-column-mismatch", "INSERT source does not match the target columns", Severity.Error, "Correctness",
        new RuleDoc(
            "SQL Server compiles an INSERT only when the source supplies exactly one value per target column (the explicit column list, or every insertable column when there is none), and each value converts implicitly to its column's type. A mismatch fails the load at run time (errors 110, 120, 121, 206, 257), typically after a column was added to the table or a mapping slipped by one position. Only clear incompatibilities are reported: numbers and dates/times, dates and times, uniqueidentifier and anything but strings and binary, xml and anything but strings and binary; strings, which convert at run time, are not.",
            Bad: "CREATE PROCEDURE Etl.LoadSales AS\nBEGIN\n    INSERT INTO Fact.Sales ([Order Date Key], [Customer Key], Amount)\n    SELECT s.OrderDate, s.CustomerKey\n    FROM Staging.Sales AS s;\n\n    INSERT INTO Fact.Sales ([Order Date Key], [Customer Key], Amount)\n    SELECT s.OrderDate, s.CustomerKey, s.Amount\n    FROM Staging.Sales AS s;\nEND",
            Good: "CREATE PROCEDURE Etl.LoadSales AS\nBEGIN\n    INSERT INTO Fact.Sales ([Order Date Key], [Customer Key], Amount)\n    SELECT CONVERT(int, CONVERT(char(8), s.OrderDate, 112)), s.CustomerKey, s.Amount\n    FROM Staging.Sales AS s;\nEND",
            Schema: "CREATE TABLE Fact.Sales ([Order Date Key] int NOT NULL, [Customer Key] int NOT NULL, Amount decimal(18,2) NOT NULL);\nCREATE TABLE Staging.Sales (OrderDate date NULL, CustomerKey int NULL, Amount decimal(18,2) NULL);"));

    public override void Check(RuleContext context)
    {
        foreach (var insert in context.Index.OfType<InsertStatement>())
            CheckArity(context, insert);
        foreach (var merge in context.Index.OfType<MergeStatement>())
            CheckArity(context, merge);
        CheckTypes(context);
    }

    // ---- arity ----------------------------------------------------------------------------------

    private static void CheckArity(RuleContext context, InsertStatement insert)
    {
        var spec = insert.InsertSpecification;
        if (spec?.Target is null) return;
        var ctes = new CteScope(insert.WithCtesAndXmlNamespaces);
        var table = spec.Target is NamedTableReference named && ctes.Find(named.SchemaObject) is null ? FindTable(context, named.SchemaObject) : null;
        int targetCount;
        string targetText;
        if (spec.Columns.Count > 0)
        {
            targetCount = spec.Columns.Count;
            targetText = $"its column list names {targetCount}";
        }
        else if (table is { Kind: TableKind.Table })
        {
            targetCount = InsertableColumns(table).Count;
            targetText = $"{table.Name} has {targetCount} insertable columns";
        }
        else return;

        string? problem = null;
        switch (spec.InsertSource)
        {
            case SelectInsertSource s when QueryShapes.SelectWidth(s.Select, ctes, context) is int width && width != targetCount:
                problem = $"The INSERT's SELECT returns {width} column{Plural(width)} but {targetText} ({(width < targetCount ? "error 120" : "error 121")})";
                break;
            case ValuesInsertSource { IsDefaultValues: false } v:
                for (int i = 0; i < v.RowValues.Count; i++)
                {
                    int n = v.RowValues[i].ColumnValues.Count;
                    if (n == targetCount) continue;
                    var row = v.RowValues.Count > 1 ? $"Row {i + 1} of the VALUES list" : "The VALUES list";
                    problem = $"{row} has {n} value{Plural(n)} but {targetText} ({(n < targetCount ? "error 109" : "error 110")})";
                    break;
                }
                break;
        }
        if (problem is null) return;
        // Underline "INSERT INTO <target>": the statement, without its (possibly long) source.
        context.Report(context.Document.Lines.Range(insert.StartOffset, spec.Target.StartOffset + spec.Target.FragmentLength),
            $"{problem}: SQL Server rejects the statement and the load fails. Make the source supply exactly one value per target column, in the same order.",
            related: table?.Location is null ? null : new[] { context.Related(table.Location, $"{table.Name} is defined here") });
    }

    private static void CheckArity(RuleContext context, MergeStatement merge)
    {
        var spec = merge.MergeSpecification;
        if (spec?.Target is not NamedTableReference target) return;
        var table = new CteScope(merge.WithCtesAndXmlNamespaces).Find(target.SchemaObject) is null ? FindTable(context, target.SchemaObject) : null;
        foreach (var clause in spec.ActionClauses)
        {
            if (clause.Action is not InsertMergeAction { Source: { IsDefaultValues: false, RowValues.Count: > 0 } source } action) continue;
            int targetCount;
            string targetText;
            if (action.Columns.Count > 0) { targetCount = action.Columns.Count; targetText = $"its column list names {targetCount}"; }
            else if (table is { Kind: TableKind.Table }) { targetCount = InsertableColumns(table).Count; targetText = $"{table.Name} has {targetCount} insertable columns"; }
            else continue;
            int n = source.RowValues[0].ColumnValues.Count;
            if (n == targetCount) continue;
            context.Report(action,
                $"The MERGE branch inserts {n} value{Plural(n)} but {targetText}: SQL Server rejects the statement and the load fails. Make the VALUES list supply exactly one value per target column, in the same order.",
                related: table?.Location is null ? null : new[] { context.Related(table.Location, $"{table.Name} is defined here") });
        }
    }

    private static string Plural(int n) => n == 1 ? "" : "s";

    // ---- types ----------------------------------------------------------------------------------

    private static void CheckTypes(RuleContext context)
    {
        HashSet<(int, string)>? seen = null;
        foreach (var t in context.Transformations)
        {
            foreach (var a in t.Assignments)
            {
                if (a.TargetColumn is not { } column || a.Origin.Type is not { } source) continue;
                if (!IsInsert(a)) continue;
                var clash = Clash(source, column.Type);
                if (clash is null) continue;
                var at = a.Source ?? a.Statement;
                if (!(seen ??= new()).Add((at.StartOffset, column.Name))) continue;
                var hint = column.Type.IsInteger && source.IsDateTime && source.Name != "time"
                    ? " (for a yyyymmdd date key: CONVERT(int, CONVERT(char(8), value, 112)))"
                    : "";
                var related = new List<RelatedLocation>(1);
                if (column.Location is not null) related.Add(context.Related(column.Location, $"{ColumnDisplay(a.Table, column.Name)} is declared {column.Type} here"));
                context.Report(at,
                    $"'{Abbreviate(context.TextOf(at))}' is {source} but {ColumnDisplay(a.Table, column.Name)} is {column.Type}: {clash}, so the INSERT fails. Check the column mapping; if the conversion is intended, write it explicitly{hint}.",
                    related: related);
            }
        }
    }

    /// <summary>INSERT statements and the INSERT branches of MERGE.</summary>
    private static bool IsInsert(ColumnAssignment a)
    {
        if (a.Statement is InsertStatement) return true;
        if (a.Statement is not MergeStatement merge || a.Source is null || merge.MergeSpecification is null) return false;
        foreach (var clause in merge.MergeSpecification.ActionClauses)
            if (clause.Action is InsertMergeAction i && a.Source.StartOffset >= i.StartOffset && a.Source.StartOffset < i.StartOffset + i.FragmentLength)
                return true;
        return false;
    }

    private enum Family { Other, Number, Date, Time, ModernDateTime, LegacyDateTime, Guid, Xml }

    private static Family FamilyOf(SqlType t) => t.Name switch
    {
        _ when t.IsNumeric => Family.Number,
        "date" => Family.Date,
        "time" => Family.Time,
        "datetime2" or "datetimeoffset" => Family.ModernDateTime,
        "datetime" or "smalldatetime" => Family.LegacyDateTime,
        "uniqueidentifier" => Family.Guid,
        "xml" => Family.Xml,
        _ => Family.Other, // strings and binary convert to almost anything (and may fail at run time): not ours
    };

    /// <summary>Why SQL Server refuses to convert <paramref name="source"/> to <paramref name="target"/> implicitly; null when it converts.</summary>
    private static string? Clash(SqlType source, SqlType target)
    {
        var s = FamilyOf(source);
        var t = FamilyOf(target);
        if (s == t || s == Family.Other || t == Family.Other) return null;
        const string Clash206 = "the types are incompatible (operand type clash, error 206)";
        return (s, t) switch
        {
            (Family.Number, Family.Date or Family.Time or Family.ModernDateTime) => Clash206,
            (Family.Date or Family.Time or Family.ModernDateTime, Family.Number) => Clash206,
            (Family.LegacyDateTime, Family.Number) => $"SQL Server does not convert {source.Name} to {target.Name} implicitly (error 257)",
            (Family.Date, Family.Time) or (Family.Time, Family.Date) => Clash206,
            (Family.Guid, _) or (_, Family.Guid) => Clash206,
            (Family.Xml, _) or (_, Family.Xml) => Clash206,
            _ => null,
        };
    }
}
