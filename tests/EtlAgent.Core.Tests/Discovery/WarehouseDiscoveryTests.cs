using System.Text.Json;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Tests.Discovery;

/// <summary>
/// Discovery on the fixture warehouse against tests/fixtures/warehouse/expected-discovery.json,
/// which was written by hand from the SQL: reads, writes and calls per transformation.
/// </summary>
public class WarehouseDiscoveryTests
{
    private static readonly JsonElement Expected =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Fixture("warehouse"), "expected-discovery.json"))).RootElement;

    public static TheoryData<string> TransformationNames()
    {
        var data = new TheoryData<string>();
        foreach (var p in Expected.GetProperty("transformations").EnumerateObject()) data.Add(p.Name);
        return data;
    }

    [Fact]
    public void Finds_exactly_the_expected_transformations()
    {
        var expected = Expected.GetProperty("transformations").EnumerateObject().Select(p => p.Name).Order(StringComparer.OrdinalIgnoreCase);
        var actual = WarehouseFixture.Analysis.Transformations.Select(t => t.Transformation.Name).Order(StringComparer.OrdinalIgnoreCase);
        Assert.Equal(expected, actual);
    }

    [Theory, MemberData(nameof(TransformationNames))]
    public void Reads_writes_and_calls_match(string name)
    {
        var e = Expected.GetProperty("transformations").GetProperty(name);
        var t = WarehouseFixture.Analysis.FindTransformation(name)!.Transformation;
        Assert.Equal(e.GetProperty("kind").GetString(), t.Kind.ToString().ToLowerInvariant());
        Assert.Equal(Names(e, "reads"), t.Reads.Select(r => r.ToString()).ToList());
        Assert.Equal(Names(e, "writes"), t.Writes.Select(r => r.ToString()).ToList());
        Assert.Equal(Names(e, "calls"), t.Calls.Select(r => r.ToString()).ToList());
    }

    [Fact]
    public void Catalog_has_exactly_the_expected_tables()
    {
        var expected = Expected.GetProperty("tables").EnumerateArray().Select(x => x.GetString()!).Order(StringComparer.OrdinalIgnoreCase);
        var actual = WarehouseFixture.Analysis.Catalog.Tables.Select(t => t.Name.ToString()).Order(StringComparer.OrdinalIgnoreCase);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Warehouse_has_no_syntax_errors_and_no_rule_crashes()
    {
        Assert.Empty(WarehouseFixture.Analysis.Findings.Where(f => f.RuleId == "ETL0000"));
        Assert.Empty(WarehouseFixture.Analysis.RuleFailures);
    }

    [Fact]
    public void Header_ranges_point_at_the_create_statement()
    {
        var t = WarehouseFixture.Analysis.FindTransformation("Dim.LoadCustomer")!;
        var header = t.Document.Text.Substring(t.Transformation.HeaderRange.StartOffset, t.Transformation.HeaderRange.Length);
        Assert.Equal("CREATE PROCEDURE Dim.LoadCustomer", header);
        Assert.Equal(4, t.Transformation.HeaderRange.Start.Line); // zero-based: line 5 after a 4-line comment
    }

    [Fact]
    public void Pipelines_link_writers_to_readers_and_callers_to_callees()
    {
        var pipelines = WarehouseFixture.Analysis.Pipelines;
        var nightly = pipelines.Single(p => p.Transformations.Contains("Etl.RunNightlyLoad"));
        Assert.Contains("Dim.LoadCustomer", nightly.Transformations);
        Assert.Contains("Reporting.SaleDetail", nightly.Transformations);
        // The orchestrator runs before what it calls.
        Assert.True(nightly.Transformations.ToList().IndexOf("Etl.RunNightlyLoad") < nightly.Transformations.ToList().IndexOf("Dim.LoadCustomer"));
        Assert.All(pipelines, p => Assert.Matches("^pl-[0-9a-f]{10}$", p.Id));
        // Ids are stable: analysing again gives the same ids.
        var again = WarehouseFixture.Analyze("warehouse").Pipelines.Select(p => p.Id);
        Assert.Equal(pipelines.Select(p => p.Id), again);
    }

    private static List<string> Names(JsonElement e, string property) =>
        e.GetProperty(property).EnumerateArray().Select(x => x.GetString()!).Order(StringComparer.OrdinalIgnoreCase).ToList();
}
