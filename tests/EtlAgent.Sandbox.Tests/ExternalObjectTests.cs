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
}
