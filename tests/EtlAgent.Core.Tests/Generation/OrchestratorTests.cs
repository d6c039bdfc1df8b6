using EtlAgent.Core.WorkspaceModel;
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

    [Fact]
    public void Named_explicitly_the_nightly_job_runs_its_base_inputs_once_each_and_one_set_of_parameter_variations()
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("warehouse"));
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true }.Analyze(files);
        var t = analysis.FindTransformation("Etl.RunNightlyLoad")!;
        var all = new CandidateBuilder(analysis.Catalog, CodeFacts.Collect(analysis, t), t.Transformation.Parameters, new DateTime(2016, 6, 2, 8, 0, 0)).Build();
        var inputs = Orchestrator.Inputs(all).Select(s => s.Description).ToList();

        Assert.True(all.Count > 1000, $"{all.Count} candidates from the tables of its 14 loads");
        Assert.InRange(inputs.Count, 10, 20);
        Assert.Equal(inputs.Count, inputs.Distinct().Count());
        Assert.Contains("empty input", inputs);
        Assert.Contains("a new entity in the source", inputs);
        Assert.Contains("an entity only in the target", inputs);
        Assert.Single(inputs, d => d.StartsWith("an entity whose", StringComparison.Ordinal));
        var parameterVariations = inputs.Where(d => d.Contains(", @CalendarThrough ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, parameterVariations.Count);
        Assert.Single(parameterVariations.Select(d => d[..d.LastIndexOf(", ", StringComparison.Ordinal)]).Distinct());
    }
}
