using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// A procedure that makes a permanent table at run time (SELECT … INTO in dynamic SQL, a dated
/// snapshot as das-data's LevySnapshot makes one) and reads it again gets tests: the table it made is
/// in no catalog, so the cases record the catalog tables it writes, whose rows went through it. A
/// table made in dynamic SQL and read by name has a stand-in (the read implies it): the table the code
/// makes takes its place.
/// </summary>
public class MadeTableGenerationTests
{
    private static MemoryFileSource Workspace() => new MemoryFileSource()
        .Add("tables.sql", """
            CREATE TABLE Etl.Source ([Id] int NOT NULL PRIMARY KEY, [Amount] int NULL);
            GO
            CREATE TABLE Etl.Log ([Msg] nvarchar(100) NOT NULL, [Total] int NULL);
            """)
        .Add("procs/TakeSnapshot.sql", """
            CREATE PROCEDURE Etl.TakeSnapshot
            AS
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM Etl.Source WHERE Amount > 0) RETURN;
                DECLARE @name nvarchar(200) = N'[Etl].[Source_' + CONVERT(varchar(8), GETDATE(), 112) + N']';
                IF OBJECT_ID(@name, N'U') IS NOT NULL EXEC (N'DROP TABLE ' + @name);
                EXEC (N'SELECT * INTO ' + @name + N' FROM Etl.Source WHERE Amount > 0');
                DECLARE @sql nvarchar(400) = N'SELECT N''snapshot'', SUM(Amount) FROM ' + @name;
                INSERT INTO Etl.Log (Msg, Total) EXEC (@sql);
            END
            """)
        .Add("procs/CopyForReport.sql", """
            CREATE PROCEDURE Etl.CopyForReport
            AS
            BEGIN
                EXEC (N'SELECT Id, Amount INTO Etl.ReportCopy FROM Etl.Source WHERE Amount > 0');
                INSERT INTO Etl.Log (Msg, Total) SELECT N'copied', SUM(Amount) FROM Etl.ReportCopy;
            END
            """);

    [Fact]
    public async Task A_procedure_making_a_table_with_SELECT_INTO_in_dynamic_SQL_gets_cases_on_the_catalog_tables_it_writes()
    {
        var g = await FixtureGeneration.GenerateAsync(Workspace(), "Etl.TakeSnapshot");

        Assert.True(g.Written, g.Skipped);
        var file = g.Result!.File!;
        Assert.All(file.Cases, c => Assert.Null(c.Expect.Error));
        var tables = file.Cases.SelectMany(c => c.Expect.Tables).Select(t => t.Table).Distinct().ToList();
        Assert.Equal(new QualifiedName?[] { new QualifiedName("Etl", "Log") }, tables);
        // a total summed from the snapshot: the made table was read
        Assert.Contains(file.Cases, c => c.Expect.Tables.Any(t => t.Rows.Any(r => r["Total"] is not null)));
    }

    [Fact]
    public async Task A_table_made_in_dynamic_SQL_and_read_by_name_replaces_the_stand_in_the_read_implied()
    {
        var g = await FixtureGeneration.GenerateAsync(Workspace(), "Etl.CopyForReport");

        Assert.True(g.Written, g.Skipped);
        var file = g.Result!.File!;
        // the empty input: the copy is made and read, one row logged
        Assert.Contains(file.Cases, c => c.Expect.Error is null && c.Expect.Tables.Any(t => t.Table == new QualifiedName("Etl", "Log") && t.Rows.Any(r => Equals(r["Msg"], "copied"))));
        // inputs that give the stand-in rows make it exist before the code makes it: SQL Server's 2714, nothing else
        Assert.All(file.Cases.Where(c => c.Expect.Error is not null), c => Assert.Equal(2714, c.Expect.Error!.Number));
    }
}
