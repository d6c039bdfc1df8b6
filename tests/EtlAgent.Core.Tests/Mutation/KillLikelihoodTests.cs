using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Mutation;

/// <summary>Which inputs are tried first on a mutant of the fixture warehouse's Fact.LoadSale.</summary>
public class KillLikelihoodTests
{
    private static readonly Lazy<(string Text, IReadOnlyList<Mutant> Mutants)> LoadSale = new(() =>
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("warehouse"));
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true }.Analyze(files);
        var t = analysis.FindTransformation("Fact.LoadSale")!;
        return (t.Document.Text, MutantGenerator.Generate(t, analysis.Catalog));
    });

    private static Func<string, int> For(Func<Mutant, bool> which)
    {
        var (text, mutants) = LoadSale.Value;
        return KillLikelihood.For(text, mutants.First(which));
    }

    /// <summary>How likely each input is to tell apart <paramref name="original"/> (in <paramref name="text"/>, on <paramref name="line"/>) replaced by <paramref name="mutated"/>.</summary>
    private static Func<string, int> PredicateRemoved(string text, string original, int line, string mutated) =>
        KillLikelihood.For(text, new Mutant(1, "dbo.P", "predicate removed", "P.sql", line, text.IndexOf(original, StringComparison.Ordinal), original.Length, original, mutated));

    [Fact]
    public void A_mutant_of_a_comparison_with_a_parameter_tries_the_inputs_that_change_that_parameter_first()
    {
        // NOT EXISTS (… [Name] = @name AND [Status] = @status), [Status] = @status removed: the case
        // naming the row with @status alone changed tells it apart
        const string text = "IF NOT EXISTS (SELECT * FROM dbo.T WHERE [Name] = @name AND [Status] = @status)\n    INSERT INTO dbo.T ([Name]) VALUES (@name);\n";
        var score = PredicateRemoved(text, "[Status] = @status", line: 1, "1 = 1");
        var status = score("an entity already in the target, named by the parameters, @status naming no row of dbo.T");
        Assert.True(status > score("an entity already in the target, named by the parameters, @name naming no row of dbo.T"));
        Assert.True(score("an entity already in the target, named by the parameters, @name naming no row of dbo.T") > score("an entity already in the target, named by the parameters, @other NULL"));
    }

    [Fact]
    public void A_dropped_ISNULL_over_a_looked_up_key_tries_the_dimension_row_that_does_not_match_first()
    {
        var score = For(m => m.Operator.StartsWith("ISNULL", StringComparison.Ordinal) && m.Original.Contains("dci.[City Key]", StringComparison.Ordinal));
        Assert.True(score("a new entity in the source, Dim.City [City Code] empty") > score("a new entity in the source, Staging.SalesOrderLine [Invoice ID] is NULL"));
    }

    [Fact]
    public void A_dropped_ISNULL_over_a_converted_column_tries_that_column_NULL_before_it_changed()
    {
        var score = For(m => m.Operator.StartsWith("ISNULL", StringComparison.Ordinal) && m.Original.Contains("[Tax Rate]", StringComparison.Ordinal));
        Assert.True(score("a new entity in the source, Staging.SalesOrderLine [Tax Rate] is NULL") > score("an entity whose [Tax Rate] changed"));
        Assert.True(score("an entity whose [Tax Rate] changed") > score("two entities"));
    }

    [Fact]
    public void A_LEFT_JOIN_made_INNER_tries_changes_to_the_joined_table_first()
    {
        var (text, mutants) = LoadSale.Value;
        var m = mutants.First(x => x.Operator.Contains("JOIN", StringComparison.Ordinal) && text.Substring(x.Start, 80).Contains("Dim.City", StringComparison.Ordinal));
        var score = KillLikelihood.For(text, m);
        Assert.True(score("a new entity in the source, Dim.City [City Code] at its maximum length") > score("a new entity in the source, Dim.Product [Brand] NULL"));
    }

    [Fact]
    public void A_boundary_mutant_tries_inputs_that_change_its_column_before_those_only_set_relative_to_it()
    {
        // WHERE sol.[Last Modified] > @LastCutoff → >=: the staged time at the cut-off, not a
        // dimension's [Valid To] moved onto the staged time
        var score = For(m => m.Operator.StartsWith("relational", StringComparison.Ordinal) && m.Original == ">" && m.Mutated == ">="
            && LoadSale.Value.Text.Substring(m.Start - 30, 60).Contains("@LastCutoff", StringComparison.Ordinal));
        var changesIt = score("a new entity in the source, Staging.SalesOrderLine [Last Modified] equal to Integration.Load Watermark [Cutoff Time]");
        var readsIt = score("a new entity in the source, Dim.Customer [Valid To] equal to Staging.SalesOrderLine [Last Modified]");
        Assert.True(changesIt > readsIt, $"{changesIt} vs {readsIt}");
        Assert.True(readsIt > score("a new entity in the source, Dim.Customer [Category] empty"));
    }

    [Fact]
    public void Columns_written_without_brackets_count_as_bracketed_ones_do()
    {
        // change detection over columns named without brackets: the input that changes Amount comes first for Amount's comparison
        const string text = "MERGE Batch.Levy AS t USING Stage.Levy AS s ON t.Submission = s.Submission\nWHEN MATCHED AND (ISNULL(s.Scheme, 'n/a') <> ISNULL(t.Scheme, 'n/a')\n    OR ISNULL(s.Amount, -1) <> ISNULL(t.Amount, -1))\n    THEN UPDATE SET Scheme = s.Scheme, Amount = s.Amount;\n";
        var score = PredicateRemoved(text, "ISNULL(s.Amount, -1) <> ISNULL(t.Amount, -1)", line: 3, "1 = 0");
        var amount = score("a new entity in the source, loaded again, Stage.Levy [Amount] changed");
        Assert.True(amount > score("a new entity in the source, loaded again, Stage.Levy [Scheme] changed"));
        Assert.True(amount > score("a new entity in the source, loaded again"));
        // a column the line does not name counts nothing
        Assert.Equal(score("a new entity in the source, loaded again"), score("a new entity in the source, loaded again, Stage.Levy [DueOn] changed"));
        // for a condition that decides whether a row is touched, a load run again on its own output comes before one run once
        Assert.True(score("a new entity in the source, loaded again") > score("a new entity in the source"));
    }
}
