using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.SqlServer;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using Microsoft.Data.SqlClient;

namespace EtlAgent.Core.Tests.Sandbox;

/// <summary>
/// The SQL Server sandbox against a real server. Each test creates its own uniquely named table and
/// procedure (committed, in the sandbox database), runs cases against them, checks that the
/// original table is untouched afterwards, and drops what it created.
/// </summary>
public class SqlServerSandboxTests
{
    private static string ConnectionString => Environment.GetEnvironmentVariable(SandboxSettings.EnvironmentVariable)!;

    private sealed record Objects(string Table, string Procedure, MemoryFileSource Files, string TableDdl, string ProcedureDdl);

    private static Objects Define()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var table = $"EtlAgentProbe_{id}";
        var procedure = $"EtlAgentLoad_{id}";
        var tableDdl = $"""
            CREATE TABLE dbo.[{table}]
            (
                Id     int IDENTITY(1, 1) NOT NULL CONSTRAINT [PK_{table}] PRIMARY KEY,
                Name   nvarchar(20)  NOT NULL,
                Status varchar(5)    NOT NULL CONSTRAINT [DF_{table}_Status] DEFAULT ('new'),
                Amount decimal(9, 2) NULL CONSTRAINT [CK_{table}_Amount] CHECK (Amount > 0)
            );
            """;
        var procedureDdl = $"""
            CREATE PROCEDURE dbo.[{procedure}]
                @Name  nvarchar(40),
                @Count int OUTPUT
            AS
            BEGIN
                SET NOCOUNT ON;
                INSERT INTO dbo.[{table}] (Name) VALUES (@Name);
                SELECT @Count = COUNT(*) FROM dbo.[{table}];
                PRINT 'loaded';
                SELECT Id, Name FROM dbo.[{table}] ORDER BY Id;
                RETURN 3;
            END;
            """;
        var files = new MemoryFileSource()
            .Add($"Tables/{table}.sql", tableDdl + "\nGO\n")
            .Add($"Procedures/{procedure}.sql", "-- the load under test\nGO\n" + procedureDdl + "\nGO\n");
        return new Objects(table, procedure, files, tableDdl, procedureDdl);
    }

    private static async Task ExecAsync(string sql)
    {
        await using var connection = new SqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new SqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new SqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task WithObjectsAsync(Func<Objects, Task> body)
    {
        var o = Define();
        await ExecAsync(o.TableDdl);
        try
        {
            await ExecAsync($"INSERT INTO dbo.[{o.Table}] (Name, Amount) VALUES (N'production row', 1);");
            await ExecAsync(o.ProcedureDdl);
            await body(o);
            // whatever the case did, the original table is back, with its one row and its constraints
            Assert.Equal(1, await ScalarAsync($"SELECT COUNT(*) FROM dbo.[{o.Table}];"));
            Assert.Equal("production row", await ScalarAsync($"SELECT Name FROM dbo.[{o.Table}];"));
            Assert.Equal(1, await ScalarAsync($"SELECT COUNT(*) FROM sys.check_constraints WHERE parent_object_id = OBJECT_ID(N'dbo.[{o.Table}]');"));
            Assert.Equal(0, await ScalarAsync($"SELECT COUNT(*) FROM sys.tables WHERE name LIKE N'{o.Table}[_]etlagent[_]%';"));
        }
        finally
        {
            await ExecAsync($"DROP PROCEDURE IF EXISTS dbo.[{o.Procedure}]; DROP TABLE IF EXISTS dbo.[{o.Table}];");
        }
    }

    private static SqlServerSandboxFactory Factory(Objects o) =>
        new(new SandboxSetup(SandboxTestWorkspace.Analyze(o.Files)), ConnectionString, Array.Empty<string>(), o.Files);

    [SqlServerFact]
    public Task Tables_are_swapped_for_empty_copies_and_everything_is_rolled_back() => WithObjectsAsync(async o =>
    {
        var table = new QualifiedName("dbo", o.Table);
        await using var factory = Factory(o);
        await using (var sandbox = await factory.CreateAsync())
        {
            Assert.Empty(await sandbox.ReadTableAsync(table)); // the production row is not visible
            // constraints are gone on the copy (the CHECK would refuse -5); identity and defaults stay
            await sandbox.InsertRowsAsync(table, new[] { new SandboxRow { ["Id"] = 10, ["Name"] = "given", ["Amount"] = -5m } });
            var result = await sandbox.ExecuteAsync(new ExecutionRequest($"dbo.{o.Procedure}", new Dictionary<string, object?> { ["@Name"] = "from proc" }));
            Assert.Null(result.Error);
            Assert.Equal(3, result.ReturnValue);
            Assert.Equal(2, result.OutputParameters["@Count"]);
            Assert.Contains("loaded", result.Messages);
            Assert.Equal(new[] { "given", "from proc" }, result.ResultSets.Single().Rows.Select(r => r["Name"]));
            var rows = await sandbox.ReadTableAsync(table);
            Assert.Equal(new object?[] { 10, 11 }, rows.Select(r => r["Id"]));
            Assert.Equal(new object?[] { "new", "new" }, rows.Select(r => r["Status"]));
        }
    });

    [SqlServerFact]
    public Task Errors_are_placed_at_the_statement_in_the_workspace_file() => WithObjectsAsync(async o =>
    {
        await using var factory = Factory(o);
        await using var sandbox = await factory.CreateAsync();
        var result = await sandbox.ExecuteAsync(new ExecutionRequest($"dbo.{o.Procedure}", new Dictionary<string, object?> { ["@Name"] = new string('x', 30) }));
        var error = Assert.IsType<SandboxError>(result.Error);
        Assert.Contains(error.Number, new[] { 2628, 8152 }); // string or binary data would be truncated
        Assert.Equal($"Procedures/{o.Procedure}.sql", error.Location!.File);
        Assert.Equal(9, error.Location.Range.Start.Line + 1);   // two header lines, then the INSERT is line 7 of the batch
        Assert.StartsWith($"INSERT INTO dbo.[{o.Table}]", error.Statement);
    });

    [SqlServerFact]
    public Task The_runner_runs_a_test_file_on_sql_server() => WithObjectsAsync(async o =>
    {
        var workspace = SandboxTestWorkspace.Analyze(o.Files);
        var yaml = $$"""
            transformation: dbo.{{o.Procedure}}
            cases:
              - name: adds one row
                given:
                  dbo.{{o.Table}}: [{Name: "given"}]
                call: {"@Name": "NEW ROW  "}
                expect:
                  dbo.{{o.Table}}:
                    columns: [Name, Status]
                    rows: [{Name: "given", Status: "new"}, {Name: "new row", Status: "NEW"}]
              - name: too long
                call: {"@Name": "{{new string('y', 30)}}"}
                expect:
                  error:
                    message_contains: "truncated"
            """;
        var file = new TestFileLoader(workspace).Load("t.etltest.yaml", yaml);
        Assert.True(file.Success, string.Join("\n", file.Errors));
        var runner = new TestRunner(workspace, setup => new SqlServerSandboxFactory(setup, ConnectionString, Array.Empty<string>(), o.Files));
        var run = await runner.RunAsync(new[] { file.File! });
        Assert.True(run.Success, Core.Reporting.TestReport.Text(run));
    });

    [Fact]
    public void A_production_database_is_refused_before_connecting()
    {
        var setup = new SandboxSetup(SandboxTestWorkspace.Analysis);
        var e = Assert.Throws<ConfigurationException>(() => new SqlServerSandboxFactory(setup, "Server=prod.example;Database=Warehouse;Integrated Security=true", Array.Empty<string>()));
        Assert.Contains("not marked as a sandbox", e.Message);
    }
}
