using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Agent;

/// <summary>The composition root: one engine per workspace, its incremental analysis, and what it takes from the host.</summary>
public class EngineTests
{
    private sealed class FixedClock(DateTime now) : IClock
    {
        public DateTime UtcNow => now;
        public DateTime Today => now.Date;
    }

    private static EngineHost Host(params (string Name, string Value)[] variables) =>
        new(new FixedClock(new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc)),
            new EnvironmentVariables(n => variables.FirstOrDefault(v => v.Name == n).Value));

    private static MemoryFileSource Workspace() => new MemoryFileSource()
        .Add("tables.sql", "CREATE TABLE dbo.T (a int NOT NULL, b int NULL);\nCREATE TABLE dbo.U (a int NOT NULL);")
        .Add("p.sql", "CREATE PROCEDURE dbo.P AS INSERT INTO dbo.U (a) SELECT b FROM dbo.T;")
        .Add("q.sql", "CREATE PROCEDURE dbo.Q AS UPDATE dbo.T SET a = 1 WHERE b = NULL;");

    private static string Json(WorkspaceAnalysis a) => DiscoveryReport.Serialize(DiscoveryReport.ToJson(a)) +
        string.Join("\n", a.Findings.Select(f => DiscoveryReport.Serialize(FindingJson.ToJson(f), indented: false)));

    [Fact]
    public void The_current_analysis_parses_again_only_what_changed_and_equals_a_fresh_one()
    {
        var files = Workspace();
        var engine = Engine.Create(files, WorkspaceSettings.Default, Host());
        var first = engine.CurrentAnalysis();
        Assert.Same(first, engine.CurrentAnalysis());   // nothing changed: nothing done

        files.Add("q.sql", "CREATE PROCEDURE dbo.Q AS UPDATE dbo.T SET a = 2 WHERE b IS NULL;");
        var second = engine.CurrentAnalysis();
        Assert.Equal(Json(engine.Analyze()), Json(second));
        // the unchanged documents were not parsed again
        Assert.Same(first.Documents.Single(d => d.Document.Path == "p.sql"), second.Documents.Single(d => d.Document.Path == "p.sql"));
        Assert.NotSame(first.Documents.Single(d => d.Document.Path == "q.sql"), second.Documents.Single(d => d.Document.Path == "q.sql"));

        // a change to the catalog rebuilds it, and a removed file leaves
        files.Add("tables.sql", "CREATE TABLE dbo.T (a int NOT NULL, b int NOT NULL);\nCREATE TABLE dbo.U (a int NOT NULL);");
        files.Add("r.sql", "CREATE PROCEDURE dbo.R AS DELETE FROM dbo.U WHERE a = 1;");
        Assert.Equal(Json(engine.Analyze()), Json(engine.CurrentAnalysis()));
    }

    [Fact]
    public void A_patch_equals_a_fresh_analysis_of_the_patched_files()
    {
        var files = Workspace();
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Default);
        var original = analyzer.Analyze(files);
        var changes = new Dictionary<string, string?> { ["p.sql"] = "CREATE PROCEDURE dbo.P AS INSERT INTO dbo.U (a) SELECT a FROM dbo.T;", ["q.sql"] = null };
        var patched = analyzer.Patch(original, changes);
        var fresh = analyzer.Analyze(new MemoryFileSource().Add("tables.sql", files.ReadAllText("tables.sql")).Add("p.sql", changes["p.sql"]!));
        Assert.Equal(Json(fresh), Json(patched));
    }

    [Fact]
    public void The_engine_takes_clock_and_environment_from_its_host()
    {
        var files = Workspace();
        var off = Engine.Create(files, WorkspaceSettings.Default, Host(("ETLAGENT_SANDBOX_REUSE", "0")));
        Assert.False(off.Pool.Enabled);
        Assert.True(Engine.Create(files, WorkspaceSettings.Default, Host()).Pool.Enabled);
        var sql = Engine.Create(files, WorkspaceSettings.Default, Host(("ETLAGENT_SQLSERVER", "Server=.;Database=wh_test;Integrated Security=true")));
        Assert.Contains("ETLAGENT_SQLSERVER", sql.Sandboxes.Describe());
        Assert.Equal(new DateTime(2024, 5, 6), off.Clock.Today);
        // an engine over another view of the files shares the pool and the settings
        var overlay = off.WithFiles(new OverlayFileSource(files));
        Assert.Same(off.Pool, overlay.Pool);
        Assert.Same(off.Settings, overlay.Settings);
    }
}
