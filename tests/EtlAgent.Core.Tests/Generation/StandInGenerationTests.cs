using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// A load that logs to a table of another repository and reads another database through a
/// three-part name (tests/fixtures/stand-ins, read into memory) is testable: both tables are
/// stand-ins, the generated file names them and gives the other database's table rows under its
/// three-part name, the output says where each shape came from, and a declaration in
/// externalObjects replaces the stand-in.
/// </summary>
public class StandInGenerationTests
{
    private static MemoryFileSource Fixture() => FixtureGeneration.Load("stand-ins");

    private static Task<GeneratedTestFile> GenerateAsync(MemoryFileSource files, string transformation) =>
        FixtureGeneration.GenerateAsync(files, transformation);

    [Fact]
    public async Task A_load_using_tables_defined_nowhere_gets_tests_that_load_rows_from_the_other_database()
    {
        var files = Fixture();
        var g = await GenerateAsync(files, "Etl.LoadContact");

        Assert.True(g.Written, g.Skipped);
        var file = g.Result!.File!;
        var other = new QualifiedName("CrmDb", "dbo", "Contact");
        // a case gives the other database's table rows and the load copies them
        Assert.Contains(file.Cases, c => c.Expect.Error is null && c.Given.Any(x => x.Table == other && x.Rows.Count > 0)
            && c.Expect.Tables.Any(t => t.Table == new QualifiedName("Dim", "Contact") && t.Rows.Count > 0));
        // the log records the run
        Assert.Contains(file.Cases, c => c.Expect.Tables.Any(t => t.Table == new QualifiedName("audit", "RunLog") && t.Rows.Count == 2));

        var text = g.Result.Text!;
        Assert.Contains("# Stand-in tables (defined nowhere", text);
        Assert.Contains("#   CrmDb.dbo.Contact (first used at procs/LoadContact.sql:9): Id int (", text);
        Assert.Contains("FullName nvarchar(100) (inserted into Dim.Contact.Name (nvarchar(100)) at procs/LoadContact.sql:8)", text);
        Assert.Contains("#   audit.RunLog (first used at procs/LoadContact.sql:6): BatchId int (@BatchId (int) at procs/LoadContact.sql:6)", text);
        Assert.Contains("    CrmDb.dbo.Contact:", text);
        Assert.Contains(g.Result.Notes, n => n.StartsWith("stand-in audit.RunLog (first used at procs/LoadContact.sql:6; 3 columns, 3 typed by the code)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_declared_external_object_replaces_its_stand_in()
    {
        var files = Fixture();
        files.Add(WorkspaceSettings.ManifestFile, """
            { "externalObjects": [ { "name": "CrmDb.dbo.Contact", "columns": { "Id": "int NOT NULL", "FullName": "nvarchar(100) NOT NULL" } } ] }
            """);
        var g = await GenerateAsync(files, "Etl.LoadContact");

        Assert.True(g.Written, g.Skipped);
        var text = g.Result!.Text!;
        Assert.Contains("#   audit.RunLog (first used", text);
        Assert.DoesNotContain("#   CrmDb.dbo.Contact", text);
        Assert.DoesNotContain(g.Result.Notes, n => n.Contains("stand-in CrmDb", StringComparison.Ordinal));
        Assert.Contains("    CrmDb.dbo.Contact:", text);
    }

    [Fact]
    public async Task A_table_named_only_in_dynamic_sql_gets_a_stand_in_and_its_rows_are_copied()
    {
        var files = Fixture();
        var g = await GenerateAsync(files, "Etl.LoadContactStaged");

        Assert.True(g.Written, g.Skipped);
        var file = g.Result!.File!;
        var stage = new QualifiedName("stage", "ContactCopy");
        // a case gives the staged rows and the dynamic INSERT copies them, with no error reaching the CATCH
        Assert.Contains(file.Cases, c => c.Expect.Error is null && c.Expect.Result is null
            && c.Given.Any(x => x.Table == stage && x.Rows.Count > 0)
            && c.Expect.Tables.Any(t => t.Table == new QualifiedName("Dim", "Contact") && t.Rows.Count > 0));
        Assert.Contains("#   stage.ContactCopy (first used at procs/LoadContactStaged.sql:11): Id int", g.Result.Text!);
    }
}
