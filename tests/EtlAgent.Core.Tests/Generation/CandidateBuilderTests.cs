using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>What the candidate inputs start from, for the fixture warehouse's procedures.</summary>
public class CandidateBuilderTests
{
    private static readonly Lazy<WorkspaceAnalysis> Warehouse = new(() =>
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("warehouse"));
        return new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true }.Analyze(files);
    });

    private static readonly Lazy<WorkspaceAnalysis> Inputs = new(() =>
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("generation-inputs"));
        return new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true }.Analyze(files);
    });

    /// <summary>The code facts and candidate inputs of a procedure of tests/fixtures/generation-inputs.</summary>
    private static (CodeFacts Facts, IReadOnlyList<Scenario> Candidates) BuildInputs(string name)
    {
        var t = Inputs.Value.FindTransformation(name)!;
        var facts = CodeFacts.Collect(Inputs.Value, t);
        return (facts, new CandidateBuilder(Inputs.Value.Catalog, facts, t.Transformation.Parameters, new DateTime(2016, 6, 2, 8, 0, 0)).Build());
    }

    private static (CodeFacts Facts, IReadOnlyList<Scenario> Candidates) Build(string name)
    {
        var t = Warehouse.Value.FindTransformation(name)!;
        var facts = CodeFacts.Collect(Warehouse.Value, t);
        var builder = new CandidateBuilder(Warehouse.Value.Catalog, facts, t.Transformation.Parameters, new DateTime(2016, 6, 2, 8, 0, 0));
        return (facts, builder.Build());
    }

    [Fact]
    public void With_its_time_up_the_builder_prepares_the_base_inputs_and_the_variations_that_run_first_only()
    {
        var t = Warehouse.Value.FindTransformation("Dim.LoadEmployee")!;
        CandidateBuilder Builder() => new(Warehouse.Value.Catalog, CodeFacts.Collect(Warehouse.Value, t), t.Transformation.Parameters, new DateTime(2016, 6, 2, 8, 0, 0));
        var all = Builder().Build();
        int asked = 0;
        var cut = Builder();
        // time is up after three variations
        var some = cut.Build(() => ++asked > 3);
        Assert.True(cut.NotPrepared > 0);
        Assert.Equal(all.Where(c => c.Structural).Select(c => c.Key()), some.Where(c => c.Structural).Select(c => c.Key()));
        var variations = some.Where(c => !c.Structural).ToList();
        Assert.InRange(variations.Count, 1, 3);
        // the ones that run first: one of each of the first families, as CandidateOrder runs them
        var order = CandidateOrder.Informative(all).Select(i => all[i]).Where(c => !c.Structural).Take(3).Select(c => c.Key()).ToHashSet();
        Assert.All(variations, v => Assert.Contains(v.Key(), order));
    }

    [Fact]
    public void A_flag_the_code_sets_to_0_and_1_starts_out_NULL_so_both_updates_show()
    {
        var (facts, candidates) = Build("Staging.FlagOrphanOrderLines");
        Assert.Equal(new object[] { 0m, 1m }, facts.AssignedLiterals["Is Orphan"].OrderBy(v => (decimal)v).ToArray());
        var first = candidates.First(c => c.Description == "one row in every input");
        var line = Assert.Single(first.RowsOf(new QualifiedName("Staging", "SalesOrderLine")));
        Assert.True(line.ContainsKey("Is Orphan"));
        Assert.Null(line["Is Orphan"]);
        // the variation that sets it is still there
        Assert.Contains(candidates, c => c.RowsOf(new QualifiedName("Staging", "SalesOrderLine")).Any(r => r.GetValueOrDefault("Is Orphan") is false));
    }

    [Fact]
    public void A_column_tested_with_IN_over_a_subquery_is_a_join_key_of_the_subquery_column()
    {
        var (facts, _) = Build("Etl.ReprocessLineage");
        Assert.Contains(facts.Equalities, e => e is ("Lineage Key", "Key"));
    }

    [Fact]
    public void A_table_valued_parameter_gets_the_keys_of_the_rows_it_is_joined_with_and_empty_and_unmatched_variants()
    {
        var (_, candidates) = Build("Etl.ReprocessLineage");
        static List<long> Keys(Scenario s) =>
            Assert.IsAssignableFrom<IEnumerable<EtlAgent.Core.Sandbox.SandboxRow>>(s.Arguments.Single(a => a.Key == "@LineageKeys").Value)
                .Select(r => Convert.ToInt64(r["Key"])).ToList();
        var fresh = candidates.First(c => c.Description == "a new entity in the source");
        // Integration.Lineage's [Lineage Key] is an identity: the first row gets 1
        Assert.Contains(1L, Keys(fresh));
        Assert.Contains(candidates, c => c.Description.Contains("@LineageKeys with no rows") && Keys(c).Count == 0);
        Assert.Contains(candidates, c => c.Description.Contains("@LineageKeys matching no row") && !Keys(c).Contains(1L) && !Keys(c).Contains(2L));
        Assert.Contains(candidates, c => c.Description.Contains("@LineageKeys holding the second entity only") && Keys(c).Contains(2L) && !Keys(c).Contains(1L));
    }

    [Fact]
    public void A_procedure_driven_by_its_parameters_gets_target_rows_the_parameters_name_and_rows_they_do_not()
    {
        var (facts, candidates) = Build("Integration.CompleteLoad");
        Assert.Contains("Lineage Key", facts.ParameterColumns["@LineageKey"]);
        Assert.Contains("Table Name", facts.ParameterColumns["@TableName"]);
        var lineage = new QualifiedName("Integration", "Lineage");
        var watermark = new QualifiedName("Integration", "Load Watermark");
        object? Arg(Scenario s, string p) => s.Arguments.Single(a => a.Key == p).Value;

        var named = candidates.Single(c => c.Description == "an entity already in the target, named by the parameters");
        // [Lineage Key] is an identity the generator leaves out: the only row gets 1
        Assert.Single(named.RowsOf(lineage));
        Assert.Equal(1L, Convert.ToInt64(Arg(named, "@LineageKey")));
        Assert.Equal(Assert.Single(named.RowsOf(watermark))["Table Name"], Arg(named, "@TableName"));

        var other = candidates.Single(c => c.Description == "an entity already in the target, not the one the parameters name");
        Assert.NotEqual(1L, Convert.ToInt64(Arg(other, "@LineageKey")));
        Assert.DoesNotContain(other.RowsOf(watermark), r => Equals(r["Table Name"], Arg(other, "@TableName")));

        var both = candidates.Single(c => c.Description == "two entities in the target, the parameters naming the second");
        Assert.Equal(2, both.RowsOf(lineage).Count);
        Assert.Equal(2L, Convert.ToInt64(Arg(both, "@LineageKey")));
        Assert.Equal(both.RowsOf(watermark)[1]["Table Name"], Arg(both, "@TableName"));
    }

    [Fact]
    public void Rows_satisfy_check_constraints_that_compare_two_columns()
    {
        // CK_Fact_StockHolding_Levels: [Reorder Level] >= 0 AND [Target Stock Level] >= [Reorder Level]
        var (_, candidates) = Build("Reporting.StockPosition");
        var rows = candidates.Where(c => !c.Description.Contains("[Reorder Level]") && !c.Description.Contains("[Target Stock Level]"))
            .SelectMany(c => c.RowsOf(new QualifiedName("Fact", "StockHolding"))).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.True(Convert.ToDecimal(r["Target Stock Level"]) >= Convert.ToDecimal(r["Reorder Level"]),
            $"Target Stock Level {r["Target Stock Level"]} < Reorder Level {r["Reorder Level"]}"));
    }

    [Fact]
    public void A_version_the_input_reads_can_end_exactly_when_the_staged_row_happened()
    {
        // w.[Last Modified] < dc.[Valid To]: [Valid To] is defaulted (9999-12-31), yet it is moved onto
        // the staged time, and the version began long before, so its window stays valid
        var (_, candidates) = Build("Fact.LoadSale");
        var atEnd = candidates.Single(c => c.Description == "a new entity in the source, Dim.Customer [Valid To] equal to Staging.SalesOrderLine [Last Modified]");
        var customer = atEnd.RowsOf(new QualifiedName("Dim", "Customer"))[^1];
        var line = atEnd.RowsOf(new QualifiedName("Staging", "SalesOrderLine"))[^1];
        Assert.Equal(line["Last Modified"], customer["Valid To"]);
        Assert.True((DateTime)customer["Valid From"]! < (DateTime)customer["Valid To"]!);
    }

    [Fact]
    public void Columns_converted_to_float_get_numbers_and_BETWEEN_bounds_give_boundary_values()
    {
        var (facts, candidates) = Build("Scripts/BackfillCityLocation.sql");
        Assert.Contains(-90m, facts.ColumnLiterals["Latitude"]);
        Assert.Contains(90m, facts.ColumnLiterals["Latitude"]);
        var city = candidates.First(c => c.Description == "one row in every input").RowsOf(new QualifiedName("Staging", "City"))[^1];
        Assert.True(double.TryParse((string)city["Latitude"]!, System.Globalization.CultureInfo.InvariantCulture, out _), $"{city["Latitude"]}");
        Assert.Contains(candidates, c => c.RowsOf(new QualifiedName("Staging", "City")).Any(r => (string?)r["Latitude"] == "91"));
    }

    [Fact]
    public void A_parameter_naming_an_identity_row_gets_the_value_from_the_seed_and_increment()
    {
        var files = new MemoryFileSource(new Dictionary<string, string>
        {
            ["Tables/Batch.sql"] = "CREATE TABLE Etl.Batch ([Batch ID] int IDENTITY(1000, 5) NOT NULL PRIMARY KEY, [Name] nvarchar(20) NOT NULL, [Is Closed] bit NOT NULL);",
            ["Procedures/CloseBatch.sql"] = "CREATE PROCEDURE Etl.CloseBatch @BatchID int AS UPDATE Etl.Batch SET [Is Closed] = 1 WHERE [Batch ID] = @BatchID;",
        });
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true }.Analyze(files);
        var t = analysis.FindTransformation("Etl.CloseBatch")!;
        var candidates = new CandidateBuilder(analysis.Catalog, CodeFacts.Collect(analysis, t), t.Transformation.Parameters, new DateTime(2016, 6, 2)).Build();
        object? Arg(Scenario s) => s.Arguments.Single(a => a.Key == "@BatchID").Value;
        Assert.Equal(1000L, Convert.ToInt64(Arg(candidates.Single(c => c.Description == "an entity already in the target, named by the parameters"))));
        Assert.Equal(1005L, Convert.ToInt64(Arg(candidates.Single(c => c.Description == "two entities in the target, the parameters naming the second"))));
    }

    [Fact]
    public void A_value_only_a_CASE_tests_is_a_variation_while_the_base_rows_hold_ordinary_values()
    {
        // CASE WHEN ISNULL(s.[CenterCode], '') = '' THEN s.[Code] ELSE s.[CenterCode] END … WHERE s.[Active] = 'Y'
        var (_, candidates) = BuildInputs("Etl.LoadSalesCenters");
        var unit = new QualifiedName("Stage", "SalesUnit");
        var row = Assert.Single(candidates.First(c => c.Description == "a new entity in the source").RowsOf(unit));
        // the ELSE branch, taken by every unit with a center code of its own, is what the base rows take
        Assert.NotEqual("", row["CenterCode"]);
        // the filter literal is still what the base rows hold, and the special value is a variation
        Assert.Equal("Y", row["Active"]);
        Assert.Contains(candidates, c => c.RowsOf(unit).Any(r => Equals(r.GetValueOrDefault("CenterCode"), "")));
    }

    [Fact]
    public void A_MERGE_keyed_by_a_parameter_through_a_values_only_source_gets_target_rows_the_parameter_names()
    {
        // MERGE Cfg.FeedPosition AS t USING (SELECT @feed AS Feed) AS s ON t.FeedName = s.Feed: t.FeedName is compared with @feed
        var (facts, candidates) = BuildInputs("Etl.SaveFeedPosition");
        Assert.Contains("FeedName", facts.ParameterColumns["@feed"], StringComparer.OrdinalIgnoreCase);
        var named = candidates.First(c => c.Description == "an entity already in the target, named by the parameters");
        var row = Assert.Single(named.RowsOf(new QualifiedName("Cfg", "FeedPosition")));
        Assert.Equal(named.Arguments.First(a => a.Key == "@feed").Value, row["FeedName"]);
    }
}
