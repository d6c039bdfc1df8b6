using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>Which procedures of the fixture warehouse generation leaves to the loads they run.</summary>
public class OrchestratorTests
{
    [Fact]
    public void The_nightly_job_is_an_orchestrator_and_the_loads_it_runs_are_not()
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("warehouse"));
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)).Analyze(files);
        Model.Transformation? Find(string n) => analysis.FindTransformation(n)?.Transformation;
        var orchestrators = analysis.Transformations.Where(t => Orchestrator.Is(t.Transformation, Find)).Select(t => t.Transformation.Name).ToList();
        // the loads each call Integration.GetLineageKey and Integration.CompleteLoad: two, not three
        Assert.Equal(new[] { "Etl.RunNightlyLoad" }, orchestrators);
        Assert.Equal(14, Orchestrator.LoadsRunBy(Find("Etl.RunNightlyLoad")!, Find).Count);
        Assert.Contains("runs 14 procedures that write tables", Orchestrator.Reason(Find("Etl.RunNightlyLoad")!, Find));
        // what generation takes unnamed: procedures that write tables, orchestrators left out
        Assert.False(DefaultTargets.Includes(Find("Etl.RunNightlyLoad")!, Find));
        Assert.True(DefaultTargets.Includes(Find("Dim.LoadCustomer")!, Find));
        Assert.False(DefaultTargets.Includes(Find("Reporting.StockPosition")!, Find));
    }
}
