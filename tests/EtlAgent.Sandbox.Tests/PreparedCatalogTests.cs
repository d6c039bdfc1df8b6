using System.Text;
using EtlAgent.Core.Model;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// The per-procedure cost does not grow with the catalog: a case translates and creates only the
/// tables it touches (and their foreign-key parents, a view's sources), and the factories of one
/// engine share the translated DDL, for every procedure and every mutant of a procedure.
/// </summary>
public sealed class PreparedCatalogTests
{
    /// <summary>Forty tables in a chain of foreign keys (each to the one before), a view over two, a load of the third.</summary>
    private static (WorkspaceAnalysis Analysis, WorkspaceAnalyzer Analyzer, MemoryFileSource Files) Workspace(string? loadBody = null)
    {
        var files = new MemoryFileSource();
        for (int k = 1; k <= 40; k++)
        {
            var parent = k > 1 ? $", ParentId int NULL REFERENCES dbo.T{k - 1:00} (Id)" : "";
            files.Add($"Tables/dbo.T{k:00}.sql", $"CREATE TABLE dbo.T{k:00} (Id int NOT NULL PRIMARY KEY, Code nvarchar(10) NOT NULL DEFAULT (N'x'){parent});");
        }
        files.Add("Views/dbo.Pair.sql", "CREATE VIEW dbo.Pair AS SELECT a.Id, b.Code FROM dbo.T01 AS a JOIN dbo.T02 AS b ON b.ParentId = a.Id;");
        files.Add("Tables/dbo.Landing.sql", "CREATE TABLE dbo.Landing (Id int NOT NULL, ParentId int NULL, Code nvarchar(10) NULL);");
        files.Add("Procedures/dbo.LoadT03.sql", loadBody ?? """
            CREATE PROCEDURE dbo.LoadT03 AS
            INSERT INTO dbo.T03 (Id, ParentId, Code) SELECT l.Id, l.ParentId, COALESCE(l.Code, N'none') FROM dbo.Landing AS l;
            """);
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true, MaxDegreeOfParallelism = 1 };
        return (analyzer.Analyze(files), analyzer, files);
    }

    private static SandboxRow Row(params (string Column, object? Value)[] values) => new(values.Select(v => KeyValuePair.Create(v.Column, v.Value)));

    [Fact]
    public async Task A_case_translates_and_creates_only_the_tables_it_touches_and_their_parents()
    {
        var (analysis, _, _) = Workspace();
        await using var factory = new DuckDbSandboxFactory(new SandboxSetup(analysis, Serves: "dbo.LoadT03"), null, catalogs: new PreparedCatalogs());
        Assert.Equal(0, factory.Schema.Built); // nothing translated before a case needs it
        await using (var sandbox = await factory.CreateAsync())
        {
            await sandbox.InsertRowsAsync(QualifiedName.Parse("dbo.T01"), new[] { Row(("Id", 1)) });
            await sandbox.InsertRowsAsync(QualifiedName.Parse("dbo.T02"), new[] { Row(("Id", 2), ("ParentId", 1)) });
            await sandbox.InsertRowsAsync(QualifiedName.Parse("dbo.Landing"), new[] { Row(("Id", 3), ("ParentId", 2)) });
            var run = await sandbox.ExecuteAsync(new ExecutionRequest("dbo.LoadT03", new Dictionary<string, object?>()));
            Assert.Null(run.Error);
            var rows = await sandbox.ReadTableAsync(QualifiedName.Parse("dbo.T03"));
            Assert.Equal("none", Assert.Single(rows)["Code"]);
        }
        // T01..T03 and the landing table; none of the 37 other tables, nor the view
        Assert.Equal(4, factory.Schema.Built);
    }

    [Fact]
    public async Task A_foreign_key_parent_is_created_before_the_child_even_when_the_case_gives_it_no_rows()
    {
        var (analysis, _, _) = Workspace();
        await using var factory = new DuckDbSandboxFactory(new SandboxSetup(analysis, Serves: "dbo.LoadT03"), null, catalogs: new PreparedCatalogs());
        await using var sandbox = await factory.CreateAsync();
        await sandbox.InsertRowsAsync(QualifiedName.Parse("dbo.Landing"), new[] { Row(("Id", 3), ("ParentId", 99)) });
        var run = await sandbox.ExecuteAsync(new ExecutionRequest("dbo.LoadT03", new Dictionary<string, object?>()));
        // the parent chain exists (empty), so the foreign key is enforced as SQL Server would: error 547
        Assert.Equal(547, run.Error?.Number);
    }

    [Fact]
    public async Task A_view_is_created_with_its_sources_on_first_use()
    {
        var (analysis, _, _) = Workspace();
        await using var factory = new DuckDbSandboxFactory(new SandboxSetup(analysis), null, catalogs: new PreparedCatalogs());
        await using var sandbox = (DuckDbSandbox)await factory.CreateAsync();
        await sandbox.InsertRowsAsync(QualifiedName.Parse("dbo.T01"), new[] { Row(("Id", 1)) });
        await sandbox.InsertRowsAsync(QualifiedName.Parse("dbo.T02"), new[] { Row(("Id", 2), ("ParentId", 1), ("Code", "b")) });
        var run = await sandbox.ExecuteSqlAsync("SELECT Id, Code FROM dbo.Pair;");
        Assert.Null(run.Error);
        var row = Assert.Single(Assert.Single(run.ResultSets).Rows);
        Assert.Equal("b", row["Code"]);
        Assert.Equal(3, factory.Schema.Built); // T01, T02 and the view
    }

    [Fact]
    public void The_factories_of_one_engine_share_one_prepared_catalog_across_procedures_and_their_mutants()
    {
        var (analysis, analyzer, files) = Workspace();
        var catalogs = new PreparedCatalogs();
        var first = new DuckDbSandboxFactory(new SandboxSetup(analysis, Serves: "dbo.LoadT03"), null, catalogs: catalogs);
        var second = new DuckDbSandboxFactory(new SandboxSetup(analysis), null, catalogs: catalogs);
        var procedureText = files.ReadAllText("Procedures/dbo.LoadT03.sql");
        var mutant = MutantWorkspace.Create(analysis, analyzer, "Procedures/dbo.LoadT03.sql", procedureText.Replace("N'none'", "N'gone'"));
        Assert.NotNull(mutant);
        var ofMutant = new DuckDbSandboxFactory(new SandboxSetup(mutant!, Serves: "dbo.LoadT03"), null, catalogs: catalogs);
        Assert.Same(first.Schema, second.Schema);
        Assert.Same(first.Schema, ofMutant.Schema);
        Assert.Equal(1, catalogs.Prepared);

        // a changed view is another catalog to prepare; without foreign keys too
        var viewMutant = MutantWorkspace.Create(analysis, analyzer, "Views/dbo.Pair.sql", files.ReadAllText("Views/dbo.Pair.sql").Replace("JOIN", "LEFT JOIN"));
        var ofViewMutant = new DuckDbSandboxFactory(new SandboxSetup(viewMutant!), null, catalogs: catalogs);
        var noForeignKeys = new DuckDbSandboxFactory(new SandboxSetup(analysis, EnforceForeignKeys: false), null, catalogs: catalogs);
        Assert.NotSame(first.Schema, ofViewMutant.Schema);
        Assert.NotSame(first.Schema, noForeignKeys.Schema);
        Assert.Equal(3, catalogs.Prepared);
    }

    [Fact]
    public void The_whole_schema_is_still_available_for_inspection_parents_first()
    {
        var (analysis, _, _) = Workspace();
        var factory = new DuckDbSandboxFactory(new SandboxSetup(analysis), null, catalogs: new PreparedCatalogs());
        var script = factory.SchemaScript;
        Assert.True(script.IndexOf("CREATE TABLE \"dbo.T01\"", StringComparison.Ordinal) < script.IndexOf("CREATE TABLE \"dbo.T02\"", StringComparison.Ordinal));
        Assert.Contains("CREATE VIEW \"dbo.Pair\"", script);
        Assert.Equal(42, factory.Schema.Objects.Count); // 40 tables, the landing table, the view
    }
}
