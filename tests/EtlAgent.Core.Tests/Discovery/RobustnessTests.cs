using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Discovery;

public class RobustnessTests
{
    [Fact]
    public void Malformed_file_becomes_a_diagnostic_and_the_rest_is_analysed()
    {
        var analysis = WarehouseFixture.Analyze("malformed");
        var error = Assert.Single(analysis.Findings.Where(f => f.RuleId == "ETL0000"));
        Assert.Equal("dbo.BrokenLoad.sql", error.Location.File);
        Assert.Equal(7, error.Location.Range.Start.Line + 1);
        Assert.Contains("Incorrect syntax", error.Message);
        var reader = analysis.FindTransformation("dbo.ShipmentsByCarrier")!.Transformation;
        Assert.Contains(reader.Reads, r => r.ToString() == "dbo.Shipment");
        Assert.NotNull(analysis.Catalog.Find(Model.QualifiedName.Parse("dbo.Shipment")));
    }

    [Fact]
    public void Ignore_file_and_build_folders_are_skipped()
    {
        var files = new MemoryFileSource()
            .Add(".etlagentignore", "# generated\nlegacy/\n*.generated.sql\n!keep.generated.sql\n")
            .Add("legacy/old.sql", "CREATE TABLE dbo.Old (a int);")
            .Add("x.generated.sql", "CREATE TABLE dbo.Gen (a int);")
            .Add("keep.generated.sql", "CREATE TABLE dbo.Keep (a int);")
            .Add("src/t.sql", "CREATE TABLE dbo.T (a int);");
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Load(files));
        Assert.Equal(new[] { "keep.generated.sql", "src/t.sql" }, analyzer.SourceFiles(files));
    }

    [Fact]
    public void Bad_manifest_is_a_configuration_error_naming_the_file_and_line()
    {
        var files = new MemoryFileSource().Add("etl-agent.json", "{\n  \"compatibilityLevel\": \"high\"\n}");
        var e = Assert.Throws<ConfigurationException>(() => WorkspaceSettings.Load(files));
        Assert.StartsWith("etl-agent.json:2", e.Message);
        var level = Assert.Throws<ConfigurationException>(() => WorkspaceSettings.Load(new MemoryFileSource().Add("etl-agent.json", "{\"compatibilityLevel\": 95}")));
        Assert.Contains("95", level.Message);
    }

    [Fact]
    public void Scope_rules_aliases_ctes_temp_tables_and_table_variables()
    {
        var sql = """
            CREATE PROCEDURE Etl.Scopes AS
            BEGIN
                DECLARE @rows TABLE (id int);
                WITH [Dim] AS (SELECT 1 AS id) SELECT * FROM [Dim];               -- a CTE hides nothing outside its statement
                UPDATE s SET s.x = 1 FROM Staging.[Load Watermark] AS s;           -- alias target
                UPDATE r SET r.id = 2 FROM @rows AS r;                             -- table variable via alias
                DELETE w FROM #work AS w;                                          -- temp table via alias
                INSERT Staging.Target (a) SELECT id FROM @rows;                    -- INSERT without INTO
                SELECT * INTO #t FROM Staging.Source;
                EXECUTE sp_addextendedproperty @name = N'x', @value = N'y';
                EXEC [Etl].[Next Step] @p = 1;
            END
            """;
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default).Analyze(new MemoryFileSource().Add("p.sql", sql));
        var t = analysis.FindTransformation("Etl.Scopes")!.Transformation;
        Assert.Equal(new[] { "Staging.Load Watermark", "Staging.Source" }, t.Reads.Select(r => r.ToString()));
        Assert.Equal(new[] { "Staging.Load Watermark", "Staging.Target" }, t.Writes.Select(r => r.ToString()));
        Assert.Equal(new[] { "Etl.Next Step" }, t.Calls.Select(r => r.ToString()));
    }

    [Fact]
    public void Streaming_and_retained_analyses_agree()
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("warehouse"));
        var settings = WorkspaceSettings.Load(files);
        var retained = new WorkspaceAnalyzer(settings).Analyze(files);
        var streamed = new WorkspaceAnalyzer(settings) { RetainSyntax = false }.Analyze(files);
        string Json(WorkspaceAnalysis a) => Reporting.DiscoveryReport.Serialize(Reporting.DiscoveryReport.ToJson(a));
        Assert.Equal(Json(retained), Json(streamed));
        Assert.Equal(retained.Findings.Select(f => $"{f.RuleId}{f.Location}"), streamed.Findings.Select(f => $"{f.RuleId}{f.Location}"));
        Assert.All(streamed.Transformations, t => Assert.False(t.HasSyntax));
    }
}
