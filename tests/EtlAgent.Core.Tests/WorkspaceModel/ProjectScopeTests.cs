using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Tests.Generation;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.WorkspaceModel;

/// <summary>
/// Two database projects define one name each (tests/fixtures/project-scopes: dwh and ods each have a
/// staging.Currency and an audit.LogStep): a transformation's tests load, run and are generated against
/// its own project's definitions, not the first one found.
/// </summary>
public class ProjectScopeTests
{
    private static MemoryFileSource Files() => FixtureGeneration.Load("project-scopes");

    [Fact]
    public void Each_transformation_sees_its_own_projects_table_and_module_of_a_shared_name()
    {
        var files = Files();
        var analysis = new EtlAgent.Core.WorkspaceModel.WorkspaceAnalyzer(WorkspaceSettings.Load(files)).Analyze(files);
        var staging = QualifiedName.Parse("staging.Currency");
        // dwh sorts first: the workspace's own catalog holds its table
        Assert.NotNull(analysis.Catalog.Find(staging)!.FindColumn("Id"));

        var ods = analysis.For("odins.LoadCurrency");
        Assert.NotNull(ods.Catalog.Find(staging)!.FindColumn("Captions"));
        Assert.Null(ods.Catalog.Find(staging)!.FindColumn("Id"));
        Assert.Equal("ods/audit/Procedures/audit.LogStep.sql", ods.FindTransformation("audit.LogStep")!.Transformation.File);
        Assert.Same(ods, ods.For("odins.LoadCurrency"));

        var dwh = analysis.For("target.PublishCurrency");
        Assert.NotNull(dwh.Catalog.Find(staging)!.FindColumn("Id"));
        Assert.Equal("dwh/audit/Procedures/audit.LogStep.sql", dwh.FindTransformation("audit.LogStep")!.Transformation.File);
        // one project's view asked for another's gives that one, not a mix of the two
        Assert.Same(dwh, ods.For("target.PublishCurrency"));
    }

    [Fact]
    public void Without_project_files_every_transformation_sees_the_one_workspace()
    {
        var files = Files();
        var flat = new MemoryFileSource();
        foreach (var path in files.EnumerateFiles().Where(p => !p.EndsWith(".sqlproj", StringComparison.Ordinal))) flat.Add(path, files.ReadAllText(path));
        var analysis = new EtlAgent.Core.WorkspaceModel.WorkspaceAnalyzer(WorkspaceSettings.Load(flat)).Analyze(flat);
        Assert.Same(analysis, analysis.For("odins.LoadCurrency"));
    }

    [Fact]
    public async Task Each_projects_hand_written_test_loads_and_passes()
    {
        var files = Files();
        var run = await Engine.Create(files, WorkspaceSettings.Load(files), EngineHost.System).RunTestsAsync(null);
        Assert.Empty(run.FileErrors);
        Assert.Equal(2, run.Run!.Cases.Count);
        Assert.All(run.Run.Cases, c => Assert.True(c.Outcome == TestOutcome.Passed, $"{c.Case.Name}: {string.Join("; ", c.Failures.Select(f => f.Summary))}"));
    }

    [Fact]
    public async Task Generated_tests_stage_the_column_only_the_transformations_project_has()
    {
        var g = await FixtureGeneration.GenerateAsync(Files(), "odins.LoadCurrency");
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", g.Result?.Notes ?? Array.Empty<string>()));
        var cases = g.Result!.File!.Cases;
        Assert.Contains(cases, c => c.Expect.Tables.Any(t => t.Table?.ToString() == "staging.Currency" && t.Rows.Any(r => r.Has("Captions"))));
        // the rows logged are ods's audit.LogStep's (rows given beforehand stay as given)
        var logged = cases.SelectMany(c => c.Expect.Tables.Where(t => t.Table?.ToString() == "audit.Step").SelectMany(t => t.Rows)).Select(r => r["Source"]).ToList();
        Assert.Contains("ods", logged);
        Assert.DoesNotContain("dwh", logged);
    }
}
