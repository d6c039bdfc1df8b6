using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Rules.Maintainability;

/// <summary>
/// A table the code uses that neither the workspace nor `externalObjects` defines: the sandbox
/// tests the code against a stand-in shaped by that use, and says so here, once, at the first use,
/// with the `externalObjects` entry that would make the assumption explicit; several tables of one
/// schema first used in the same file make one notice that lists them.
/// </summary>
public sealed class StandInTableRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0150", "stand-in-table", "Table defined nowhere: tested against a stand-in", Severity.Information, "Maintainability",
        new RuleDoc(
            "Real warehouses use tables defined elsewhere: a logging table of another repository, a source system's table read through a three-part name (SourceDb.dbo.Orders), a staging table a pipeline creates at run time. So that the code can still be tested, the sandbox makes a stand-in for each table that neither the workspace nor etl-agent.json's externalObjects defines, with the columns the code names (INSERT column lists, columns read through the table's alias or name, unqualified columns when it is the only undefined source), each typed from what it is compared with, joined to, assigned from or copied into (a parameter's or variable's declared type, a declared column, a literal, a CAST; the column an INSERT ... SELECT puts it in, by position when the INSERT names no columns, in a table, #temp table or table variable, also through ISNULL, COALESCE, TRIM, UPPER/LOWER; a column the code only uses as text, such as ISNULL(x, '') in a row hash, stays text) and nvarchar(4000) NULL otherwise; the columns and types are chosen once for the whole workspace, so every procedure that uses the table sees the same stand-in. Every column of a stand-in is nullable and it has no keys, so tests cannot rely on its constraints. This finding names the table, where it is first used and where each column's type came from, and gives the externalObjects entry (with the inferred columns) to paste into etl-agent.json; several tables of one schema first used in the same file make one finding that lists them, each table's first use a related location, each related location giving one table's entry for the externalObjects list (each generated test file's header still describes every stand-in it uses, column by column): declared objects always win over stand-ins, so correcting the types there makes the tests exact. A three-part name of the workspace's own database (the workspace defines schema.name and nothing declares database.schema.name) is the workspace's own table and gets no stand-in. A table a deployment tool keeps (ReadyRoll's dbo.__MigrationLog, SSDT's __RefactorLog, EF Core's __EFMigrationsHistory; not an unknown object either, see ETL0015) still gets a stand-in in the sandbox but no notice: the tool makes it, so there is nothing for the user to declare. SQL Server's own objects get neither: catalog views (`sys.*`, INFORMATION_SCHEMA), the SQL Server 2000 compatibility views (`dbo.sysobjects`, `sysforeignkeys`, ...) and objects of master, msdb, model and the SSIS catalog's SSISDB.",
            Bad: "CREATE PROCEDURE dbo.LoadCustomer @BatchId int\nAS\nBEGIN\n    INSERT INTO dbo.RunLog (BatchId, Step) VALUES (@BatchId, 'start');\nEND",
            Good: "CREATE TABLE dbo.RunLog (BatchId int NOT NULL, Step nvarchar(50) NOT NULL);\nGO\nCREATE PROCEDURE dbo.LoadCustomer @BatchId int\nAS\nBEGIN\n    INSERT INTO dbo.RunLog (BatchId, Step) VALUES (@BatchId, 'start');\nEND"));

    public override void Check(RuleContext context)
    {
        var mine = context.Catalog.StandIns
            .Where(t => t.StandIn is { } origin && origin.FirstUse.File == context.Document.Path)
            // a deployment tool's own table: the tool makes it, so there is nothing for the user to declare
            .Where(t => !Correctness.UnknownObjectRule.IsDeploymentToolTable(t.Name))
            .ToList();
        // One notice per schema and file: a schema of tables made elsewhere (staging a pipeline creates,
        // another repository's tables) is one decision to declare, not one per table.
        foreach (var group in mine.GroupBy(t => (Database: t.Name.Database?.ToUpperInvariant(), Schema: t.Name.Schema.ToUpperInvariant())))
        {
            var tables = group.OrderBy(t => t.StandIn!.FirstUse.Range.Start.Line).ThenBy(t => t.StandIn!.FirstUse.Range.Start.Character).ToList();
            if (tables.Count == 1) ReportOne(context, tables[0]);
            else ReportSchema(context, tables);
        }
    }

    private static void ReportOne(RuleContext context, TableDef table)
    {
        var origin = table.StandIn!;
        context.Report(origin.FirstUse.Range,
            $"{table.Name} is defined neither in the workspace nor in etl-agent.json's externalObjects, so the sandbox tests the code against a stand-in made from how the code uses it: " +
            $"{StandInTables.Describe(table)}. Declare it in externalObjects to make the shape explicit (declared objects win): {StandInTables.ManifestSnippet(table)}",
            related: origin.Columns.Where(c => c.At.File.Length > 0).Take(20)
                .Select(c => context.Related(c.At, $"{table.Name}.{c.Name}: {(c.TypeFrom is null ? "no typed use" : "type " + c.TypeFrom)}")).ToList());
    }

    /// <summary>
    /// Several stand-ins of one schema first used in this file: one notice naming them all, at the first
    /// use; each table's first use is a related location carrying its ready-to-paste externalObjects entry
    /// (each generated test file's header still describes every stand-in it uses, column by column).
    /// </summary>
    private static void ReportSchema(RuleContext context, IReadOnlyList<TableDef> tables)
    {
        var first = tables[0].Name;
        var schema = first.Database is null ? first.Schema : $"{first.Database}.{first.Schema}";
        var names = tables.Select(t => $"{t.Name} (line {t.StandIn!.FirstUse.Range.Start.Line + 1}, {t.Columns.Count} column{(t.Columns.Count == 1 ? "" : "s")})");
        context.Report(tables[0].StandIn!.FirstUse.Range,
            $"{tables.Count} tables of schema {schema} are defined neither in the workspace nor in etl-agent.json's externalObjects, so the sandbox tests the code against stand-ins made from how the code uses them: " +
            $"{string.Join(", ", names)}. Declare them in externalObjects to make the shapes explicit (declared objects win): each related location gives one table's entry with its inferred columns, to paste into the one list; " +
            "each generated test file's header lists a stand-in's columns and where their types came from.",
            related: tables.Select(t => context.Related(t.StandIn!.FirstUse, $"{t.Name}: {StandInTables.ManifestSnippet(t)}")).ToList());
    }
}
