using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// A staging table made outside the repository (declared in etl-agent.json's externalObjects with
/// its columns) is a sandbox table: a test gives it rows and the load reads them.
/// </summary>
public sealed class ExternalObjectTests
{
    [Fact]
    public async Task A_declared_external_table_is_created_in_the_sandbox_and_can_be_given_rows()
    {
        var files = new MemoryFileSource()
            .Add(WorkspaceSettings.ManifestFile, """
                { "externalObjects": [ { "name": "adf.CustomerLanding", "columns": { "Code": "varchar(10) NOT NULL", "Name": "nvarchar(50)" } } ] }
                """)
            .Add("Tables/Dim.Customer.sql", "CREATE TABLE Dim.Customer (Code varchar(10) NOT NULL PRIMARY KEY, Name nvarchar(50) NOT NULL);")
            .Add("Procedures/Etl.LoadCustomer.sql", """
                CREATE PROCEDURE Etl.LoadCustomer AS
                INSERT INTO Dim.Customer (Code, Name)
                SELECT l.Code, COALESCE(l.Name, N'Unknown') FROM adf.CustomerLanding AS l;
                """);
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { MaxDegreeOfParallelism = 1 }.Analyze(files);
        Assert.DoesNotContain(analysis.Findings, f => f.RuleId == "ETL0015");

        var loaded = new TestFileLoader(analysis).Load("tests/etl/Etl.LoadCustomer.etltest.yaml", """
            transformation: Etl.LoadCustomer
            cases:
            - name: "landed rows are loaded"
              given:
                adf.CustomerLanding:
                - {"Code": "A", "Name": "Ann"}
                - {"Code": "B", "Name": null}
              expect:
                Dim.Customer:
                  rows:
                  - {"Code": "A", "Name": "Ann"}
                  - {"Code": "B", "Name": "Unknown"}
            """);
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors));

        var run = await new TestRunner(analysis, s => new DuckDbSandboxFactory(s)).RunAsync(new[] { loaded.File! });
        Assert.True(run.Success, string.Join("\n", run.Cases.SelectMany(c => c.Failures.Select(f => c.FullName + ": " + f.Summary))));
    }

    private static WorkspaceAnalysis Crm(string? manifest = null, string client = "CrmDb.dbo.Client")
    {
        var files = new MemoryFileSource()
            .Add("Tables/Dim.Customer.sql", "CREATE TABLE Dim.Customer (Code varchar(10) NOT NULL PRIMARY KEY, Name nvarchar(50) NOT NULL);")
            .Add("Procedures/Etl.LoadFromCrm.sql", $$"""
                CREATE PROCEDURE Etl.LoadFromCrm @Batch int AS
                BEGIN
                    INSERT INTO audit.RunLog (BatchId, Step) VALUES (@Batch, 'start');
                    INSERT INTO Dim.Customer (Code, Name)
                    SELECT c.Code, COALESCE(c.Name, N'Unknown') FROM {{client}} AS c WHERE c.Active = 1;
                END
                """);
        if (manifest is not null) files.Add(WorkspaceSettings.ManifestFile, manifest);
        return new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { MaxDegreeOfParallelism = 1 }.Analyze(files);
    }

    private const string CrmTest = """
        transformation: Etl.LoadFromCrm
        cases:
        - name: "active clients are loaded and the run is logged"
          call: {"@Batch": 7}
          given:
            CrmDb.dbo.Client:
            - {"Code": "A", "Name": "Ann", "Active": 1}
            - {"Code": "B", "Name": null, "Active": 1}
            - {"Code": "C", "Name": "Cy", "Active": 0}
          expect:
            Dim.Customer:
              rows:
              - {"Code": "A", "Name": "Ann"}
              - {"Code": "B", "Name": "Unknown"}
            audit.RunLog:
              rows:
              - {"BatchId": 7, "Step": "start"}
        """;

    [Fact]
    public async Task Tables_defined_nowhere_are_stand_ins_a_test_gives_rows_under_their_three_part_name()
    {
        var analysis = Crm();
        Assert.Equal(new[] { "CrmDb.dbo.Client", "audit.RunLog" }, analysis.Catalog.StandIns.Select(t => t.Name.ToString()).OrderBy(n => n, StringComparer.Ordinal));
        var loaded = new TestFileLoader(analysis).Load("tests/etl/Etl.LoadFromCrm.etltest.yaml", CrmTest);
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors));
        var run = await new TestRunner(analysis, s => new DuckDbSandboxFactory(s)).RunAsync(new[] { loaded.File! });
        Assert.True(run.Success, string.Join("\n", run.Cases.SelectMany(c => c.Failures.Select(f => c.FullName + ": " + f.Summary))));
    }

    [Fact]
    public async Task A_table_of_another_database_declared_with_three_parts_is_created_as_declared()
    {
        var analysis = Crm("""
            { "externalObjects": [ { "name": "CrmDb.dbo.Client", "columns": { "Code": "varchar(10) NOT NULL", "Name": "nvarchar(50)", "Active": "bit NOT NULL" } } ] }
            """);
        Assert.Equal(new[] { "audit.RunLog" }, analysis.Catalog.StandIns.Select(t => t.Name.ToString()));
        var loaded = new TestFileLoader(analysis).Load("tests/etl/Etl.LoadFromCrm.etltest.yaml", CrmTest);
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors));
        var run = await new TestRunner(analysis, s => new DuckDbSandboxFactory(s)).RunAsync(new[] { loaded.File! });
        Assert.True(run.Success, string.Join("\n", run.Cases.SelectMany(c => c.Failures.Select(f => c.FullName + ": " + f.Summary))));

        // the declared NOT NULL holds: a given row without Active does not load into the sandbox
        var bad = new TestFileLoader(analysis).Load("tests/etl/Etl.LoadFromCrm.etltest.yaml", CrmTest.Replace("\"Active\": 0}", "\"Active\": null}"));
        var badRun = bad.Success ? await new TestRunner(analysis, s => new DuckDbSandboxFactory(s)).RunAsync(new[] { bad.File! }) : null;
        Assert.False(bad.Success && badRun!.Success);
    }

    [Fact]
    public async Task A_linked_server_table_declared_with_four_parts_is_its_database_table()
    {
        // the load reads [CrmServer].[CrmDb].[dbo].[Client]: the sandbox is one server, so the table is
        // CrmDb.dbo.Client, declared by its four-part name and given rows under its three-part one
        var analysis = Crm("""
            { "externalObjects": [ { "name": "[CrmServer].CrmDb.dbo.Client", "columns": { "Code": "varchar(10) NOT NULL", "Name": "nvarchar(50)", "Active": "bit NOT NULL" } } ] }
            """, client: "[CrmServer].[CrmDb].[dbo].[Client]");
        Assert.Equal(new[] { "audit.RunLog" }, analysis.Catalog.StandIns.Select(t => t.Name.ToString()));
        Assert.NotNull(analysis.Catalog.Find(new Core.Model.QualifiedName("CrmDb", "dbo", "Client")));
        var loaded = new TestFileLoader(analysis).Load("tests/etl/Etl.LoadFromCrm.etltest.yaml", CrmTest);
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors));
        var run = await new TestRunner(analysis, s => new DuckDbSandboxFactory(s)).RunAsync(new[] { loaded.File! });
        Assert.True(run.Success, string.Join("\n", run.Cases.SelectMany(c => c.Failures.Select(f => c.FullName + ": " + f.Summary))));
    }

    [Fact]
    public async Task A_view_over_stand_ins_of_other_databases_binds_its_unqualified_columns()
    {
        // the view joins three tables of other databases and names some of their columns without an
        // alias: SQL Server knows which table has each, the code of the view does not say, but another
        // procedure names answer_txt through the answer table, so that stand-in has it (and only it)
        var files = new MemoryFileSource()
            .Add("Procedures/dbo.CountAnswers.sql", """
                CREATE PROCEDURE dbo.CountAnswers AS
                SELECT COUNT(*) FROM SourceDb.dbo.answer AS a WHERE a.answer_txt IS NOT NULL;
                """)
            .Add("Tables/dbo.Vaccination.sql", "CREATE TABLE dbo.Vaccination (AnswerUid bigint NULL, AnswerText varchar(2000) NULL, Label nvarchar(100) NULL, Kind nvarchar(20) NULL);")
            .Add("Views/dbo.v_answers.sql", """
                CREATE VIEW dbo.v_answers AS
                SELECT a.answer_uid, CAST(REPLACE(answer_txt, CHAR(13) + CHAR(10), ' ') AS varchar(2000)) AS answer_txt,
                       question_label, data_type, cv.code
                FROM SourceDb.dbo.question AS q WITH (NOLOCK)
                LEFT OUTER JOIN SourceDb.dbo.answer AS a WITH (NOLOCK) ON q.question_uid = a.question_uid
                LEFT OUTER JOIN CodesDb.dbo.code_value AS cv WITH (NOLOCK) ON cv.code = q.data_type
                WHERE cv.code_set = 'DATA_TYPE';
                """)
            .Add("Procedures/dbo.LoadVaccination.sql", """
                CREATE PROCEDURE dbo.LoadVaccination AS
                INSERT INTO dbo.Vaccination (AnswerUid, AnswerText, Label, Kind)
                SELECT answer_uid, answer_txt, question_label, code FROM dbo.v_answers;
                """);
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { MaxDegreeOfParallelism = 1 }.Analyze(files);
        Assert.Equal(new[] { "SourceDb.dbo.answer" }, analysis.Catalog.StandIns.Where(t => t.FindColumn("answer_txt") is not null).Select(t => t.Name.ToString()));
        var loaded = new TestFileLoader(analysis).Load("tests/etl/dbo.LoadVaccination.etltest.yaml", """
            transformation: dbo.LoadVaccination
            cases:
            - name: "an answer of a question of a known data type is loaded"
              given:
                SourceDb.dbo.question:
                - {"question_uid": 1, "data_type": "TEXT", "question_label": "Dose"}
                SourceDb.dbo.answer:
                - {"answer_uid": 10, "question_uid": 1, "answer_txt": "first"}
                CodesDb.dbo.code_value:
                - {"code": "TEXT", "code_set": "DATA_TYPE"}
              expect:
                dbo.Vaccination:
                  rows:
                  - {"AnswerUid": 10, "AnswerText": "first", "Label": "Dose", "Kind": "TEXT"}
            """);
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors));
        var run = await new TestRunner(analysis, s => new DuckDbSandboxFactory(s)).RunAsync(new[] { loaded.File! });
        Assert.True(run.Success, string.Join("\n", run.Cases.SelectMany(c => c.Failures.Select(f => c.FullName + ": " + f.Summary))));
    }

    [Fact]
    public async Task A_stand_in_read_in_dynamic_sql_can_be_dropped_after_use_and_is_missing_then()
    {
        var files = new MemoryFileSource()
            .Add("Tables/Dim.Customer.sql", "CREATE TABLE Dim.Customer (Code varchar(10) NOT NULL PRIMARY KEY, Name nvarchar(50) NOT NULL);")
            .Add("Procedures/Etl.LoadLanded.sql", """
                CREATE PROCEDURE Etl.LoadLanded AS
                BEGIN
                    BEGIN TRAN;
                    DROP TABLE land.CustomerCopy;
                    ROLLBACK;
                    EXEC (N'INSERT INTO Dim.Customer (Code, Name) SELECT s.Code, s.Name FROM land.CustomerCopy AS s');
                    DROP TABLE land.CustomerCopy;
                    INSERT INTO Dim.Customer (Code, Name)
                    VALUES ('gone', CASE WHEN OBJECT_ID(N'land.CustomerCopy') IS NULL THEN N'dropped' ELSE N'kept' END);
                    BEGIN TRY
                        EXEC (N'SELECT COUNT(*) FROM land.CustomerCopy');
                    END TRY
                    BEGIN CATCH
                        INSERT INTO Dim.Customer (Code, Name) VALUES ('err', CAST(ERROR_NUMBER() AS nvarchar(10)));
                    END CATCH
                    DROP TABLE IF EXISTS land.CustomerCopy;
                END
                """);
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { MaxDegreeOfParallelism = 1 }.Analyze(files);
        // named only in dynamic SQL, the staging table still gets a stand-in from the text
        Assert.Contains(analysis.Catalog.StandIns, t => t.Name.ToString() == "land.CustomerCopy" && t.Columns.Count == 2);

        var loaded = new TestFileLoader(analysis).Load("tests/etl/Etl.LoadLanded.etltest.yaml", """
            transformation: Etl.LoadLanded
            cases:
            - name: "the landed rows are copied, then the staging table is gone"
              given:
                land.CustomerCopy:
                - {"Code": "A", "Name": "Ann"}
              expect:
                Dim.Customer:
                  rows:
                  - {"Code": "A", "Name": "Ann"}
                  - {"Code": "err", "Name": "208"}
                  - {"Code": "gone", "Name": "dropped"}
            """);
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors));

        var run = await new TestRunner(analysis, s => new DuckDbSandboxFactory(s)).RunAsync(new[] { loaded.File! });
        Assert.True(run.Success, string.Join("\n", run.Cases.SelectMany(c => c.Failures.Select(f => c.FullName + ": " + f.Summary))));
    }
}
