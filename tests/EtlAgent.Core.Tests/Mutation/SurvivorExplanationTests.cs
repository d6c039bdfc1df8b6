using EtlAgent.Core.MutationAnalysis;
using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Mutation;

/// <summary>Every mutant the generator makes of the fixture warehouse gets its operator family's explanation.</summary>
public class SurvivorExplanationTests
{
    private static IReadOnlyList<Mutant> WarehouseMutants()
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("warehouse"));
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true }.Analyze(files);
        return analysis.Transformations.Where(t => t.HasSyntax).SelectMany(t => MutantGenerator.Generate(t, analysis.Catalog)).ToList();
    }

    [Fact]
    public void Every_operator_family_of_the_warehouse_has_its_own_phrasing()
    {
        var mutants = WarehouseMutants();
        Assert.True(mutants.Count > 200, $"{mutants.Count} mutants");
        var fallback = mutants.Where(m => SurvivorExplanation.Explain(m).EndsWith("does not notice the change", StringComparison.Ordinal)).Select(m => m.Operator).Distinct().ToList();
        Assert.True(fallback.Count == 0, "no phrasing for: " + string.Join(", ", fallback));
        Assert.All(mutants, m => Assert.StartsWith("a test suite that passes ", SurvivorExplanation.Explain(m)));
    }

    [Fact]
    public void A_relational_operator_survivor_names_the_boundary()
    {
        var m = new Mutant(1, "Dim.LoadCustomer", "relational operator >= → >", "p.sql", 12, 0, 2, ">=", ">");
        Assert.Equal("a test suite that passes with `>` here instead of `>=` does not check this boundary: no case has values equal to (or just past) it",
            SurvivorExplanation.Explain(m));
        var equality = m with { Operator = "relational operator = → <>", Original = "=", Mutated = "<>" };
        Assert.Contains("does not check this comparison", SurvivorExplanation.Explain(equality));
        var statement = m with { Operator = "statement deleted", Original = "DELETE FROM Fact.Sale\n    WHERE EXISTS (SELECT 1 FROM Staging.Sale AS s WHERE s.[WWI Invoice ID] = Fact.Sale.[WWI Invoice ID]);", Mutated = "SET NOCOUNT ON;" };
        Assert.Equal("a test suite that passes without `DELETE FROM Fact.Sale WHERE EXISTS (SELECT 1 FROM Staging...` does not check what this statement does",
            SurvivorExplanation.Explain(statement));
    }
}
