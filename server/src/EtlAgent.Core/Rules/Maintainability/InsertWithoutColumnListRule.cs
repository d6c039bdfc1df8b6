using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.CatalogRuleHelpers;

namespace EtlAgent.Core.Rules.Maintainability;

/// <summary>
/// INSERT into a catalog table without a column list: values go to columns by position, so a
/// column added, dropped or reordered in the table shifts data silently or breaks the load.
/// </summary>
public sealed class InsertWithoutColumnListRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0002", "insert-without-column-list", "INSERT without a column list", Severity.Warning, "Maintainability",
        new RuleDoc(
            "An INSERT without a column list fills the table's columns by position. When the table changes (a column is added, dropped or reordered by a later release), the load either fails or, worse, keeps running and writes values into the wrong columns. Name the target columns explicitly; the fix inserts the table's insertable columns (identity, computed and rowversion columns excluded) when the source supplies exactly that many values. Seed data in deployment scripts (INSERT ... VALUES of constants outside any procedure, function or trigger) is not a load and is not reported.",
            Bad: "CREATE PROCEDURE Etl.LoadCustomer AS\nBEGIN\n    INSERT INTO Dim.Customer\n    SELECT s.CustomerCode, s.[Customer Name], s.City\n    FROM Staging.Customer AS s;\nEND",
            Good: "CREATE PROCEDURE Etl.LoadCustomer AS\nBEGIN\n    INSERT INTO Dim.Customer (CustomerCode, [Customer Name], City)\n    SELECT s.CustomerCode, s.[Customer Name], s.City\n    FROM Staging.Customer AS s;\nEND",
            Schema: "CREATE TABLE Dim.Customer ([Customer Key] int IDENTITY(1,1) NOT NULL PRIMARY KEY, CustomerCode nvarchar(20) NOT NULL, [Customer Name] nvarchar(100) NOT NULL, City nvarchar(50) NULL);\nCREATE TABLE Staging.Customer (CustomerCode nvarchar(20) NULL, [Customer Name] nvarchar(100) NULL, City nvarchar(50) NULL);"));

    public override void Check(RuleContext context)
    {
        foreach (var insert in context.Index.OfType<InsertStatement>())
        {
            var spec = insert.InsertSpecification;
            if (spec?.Columns.Count != 0 || spec.Target is not NamedTableReference target) continue;
            if (spec.InsertSource is ValuesInsertSource { IsDefaultValues: true }) continue;
            if (SeedData.IsSeedInsert(context, insert)) continue; // reference rows of a deployment script, not a load
            var ctes = new CteScope(insert.WithCtesAndXmlNamespaces);
            if (ctes.Find(target.SchemaObject) is not null) continue;
            if (FindTable(context, target.SchemaObject) is not { Kind: TableKind.Table } table) continue;

            var columns = InsertableColumns(table);
            int? width = spec.InsertSource switch
            {
                SelectInsertSource s => QueryShapes.SelectWidth(s.Select, ctes, context),
                ValuesInsertSource v => UniformWidth(v.RowValues),
                _ => null, // INSERT ... EXEC: the result shape is not known statically
            };
            Fix[]? fixes = null;
            if (width == columns.Count && columns.Count > 0)
                fixes = new[] { context.Fix($"Add the column list of {table.Name}", context.InsertAfter(target, " (" + ColumnList(context, columns, target, ColumnOf(context, target.StartOffset + target.FragmentLength) + 2) + ")")) };
            context.Report(target.SchemaObject,
                $"INSERT into {table.Name} has no column list, so values are matched to its {columns.Count} insertable columns by position; a column added, dropped or reordered later shifts data silently or breaks the load. List the target columns explicitly.",
                fixes, new[] { context.Related(table.Location, $"{table.Name} is defined here") });
        }

        foreach (var merge in context.Index.OfType<MergeStatement>())
        {
            var spec = merge.MergeSpecification;
            if (spec?.Target is not NamedTableReference target) continue;
            if (new CteScope(merge.WithCtesAndXmlNamespaces).Find(target.SchemaObject) is not null) continue;
            if (FindTable(context, target.SchemaObject) is not { Kind: TableKind.Table } table) continue;
            foreach (var clause in spec.ActionClauses)
            {
                if (clause.Action is not InsertMergeAction { Columns.Count: 0, Source: { IsDefaultValues: false } source } action) continue;
                var columns = InsertableColumns(table);
                Fix[]? fixes = null;
                if (UniformWidth(source.RowValues) == columns.Count && columns.Count > 0)
                    fixes = new[] { context.Fix($"Add the column list of {table.Name}", context.InsertBefore(source, "(" + ColumnList(context, columns, source, ColumnOf(context, source.StartOffset) + 1) + ") ")) };
                context.Report(action,
                    $"The MERGE branch inserts into {table.Name} without a column list, so values are matched to its {columns.Count} insertable columns by position; a column added, dropped or reordered later shifts data silently or breaks the load. List the target columns explicitly.",
                    fixes, new[] { context.Related(table.Location, $"{table.Name} is defined here") });
            }
        }
    }

    private static int? UniformWidth(IList<RowValue> rows)
    {
        if (rows.Count == 0) return null;
        int width = rows[0].ColumnValues.Count;
        foreach (var r in rows)
            if (r.ColumnValues.Count != width) return null;
        return width;
    }

    private static string ColumnList(RuleContext context, List<ColumnDef> columns, TSqlFragment anchor, int firstColumn)
    {
        var names = new List<string>(columns.Count);
        foreach (var c in columns) names.Add(QuoteName(c.Name));
        return WrapList(names, firstColumn, LineIndentOf(context, anchor.StartOffset) + 4, NewlineOf(context.Document.Text));
    }
}
