using System.Text.Json.Nodes;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.WorkspaceModel;

/// <summary>
/// A name defined in more than one file (tests/fixtures/restated-definitions: a database project's
/// deployment script copies every object, a migrations folder holds two versions of a function):
/// the analysis, the sandbox and generation use the definition a person edits, whatever order the
/// files come in, and the restatements are listed but never targets.
/// </summary>
public class RestatedDefinitionsTests
{
    private const string Source = "Warehouse/dbo/Stored Procedures/LoadCustomer.sql";
    private const string Copy = "Warehouse/Release/Warehouse_Create.sql";

    private static (WorkspaceAnalyzer Analyzer, PhysicalFileSource Files) Open()
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("restated-definitions"));
        return (new WorkspaceAnalyzer(WorkspaceSettings.Load(files)), files);
    }

    private static WorkspaceAnalysis Analyze()
    {
        var (analyzer, files) = Open();
        return analyzer.Analyze(files);
    }

    [Fact]
    public void The_source_is_used_over_the_deployment_scripts_copy_and_the_latest_migration_over_older_ones()
    {
        var analysis = Analyze();
        Assert.Equal(Source, analysis.FindTransformation("dbo.LoadCustomer")!.Transformation.File);
        Assert.Equal("Warehouse/Migrations/002_segment_of.sql", analysis.FindTransformation("dbo.SegmentOf")!.Transformation.File);

        var restated = analysis.Transformations.Select(t => t.Transformation).Where(t => t.SupersededBy is not null)
            .Select(t => (t.Name, t.File, t.SupersededBy)).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(new[]
        {
            ("dbo.KeyAccounts", Copy, (string?)"Warehouse/dbo/Views/KeyAccounts.sql"),
            ("dbo.LoadCustomer", Copy, (string?)Source),
            ("dbo.SegmentOf", "Warehouse/Migrations/001_segment_of.sql", (string?)"Warehouse/Migrations/002_segment_of.sql"),
        }, restated);
        // the table too: the deployment script's older Customer has no Segment column
        Assert.NotNull(analysis.Catalog.Find(QualifiedName.Parse("dbo.Customer"))!.FindColumn("Segment"));
        // and the view's shape: the copy selects no Segment
        Assert.NotNull(analysis.Catalog.Find(QualifiedName.Parse("dbo.KeyAccounts"))!.FindColumn("Segment"));
    }

    [Fact]
    public void The_choice_does_not_depend_on_the_order_the_documents_come_in()
    {
        var (analyzer, files) = Open();
        var paths = files.EnumerateFiles().Where(p => p.EndsWith(".sql", StringComparison.OrdinalIgnoreCase)).OrderBy(p => p, StringComparer.Ordinal).ToList();
        foreach (var order in new[] { paths, Enumerable.Reverse(paths).ToList() })
        {
            var analysis = analyzer.Analyze(order.Select(p => analyzer.ParseAndScan(p, files.ReadAllText(p))).ToList());
            Assert.Equal(Source, analysis.FindTransformation("dbo.LoadCustomer")!.Transformation.File);
            Assert.Equal("Warehouse/Migrations/002_segment_of.sql", analysis.FindTransformation("dbo.SegmentOf")!.Transformation.File);
            Assert.Equal(Source, analysis.Transformations.Single(t => t.Transformation.File == Copy && t.Transformation.Name == "dbo.LoadCustomer").Transformation.SupersededBy);
            Assert.NotNull(analysis.Catalog.Find(QualifiedName.Parse("dbo.KeyAccounts"))!.FindColumn("Segment"));
        }
    }

    [Fact]
    public void A_name_is_one_target_and_its_restatements_none()
    {
        var analysis = Analyze();
        Transformation? Find(string n) => analysis.FindTransformation(n)?.Transformation;
        var targets = analysis.Transformations.Select(t => t.Transformation).Where(t => DefaultTargets.Includes(t, Find)).Select(t => t.File).ToList();
        Assert.Equal(new[] { Source }, targets);
    }

    [Fact]
    public void Discovery_says_how_many_names_are_restated_and_marks_each_restatement()
    {
        var analysis = Analyze();
        Assert.StartsWith("restated definitions: 3 names are defined in more than one file (3 further definitions:", analysis.RestatementSummary());
        var json = DiscoveryReport.ToJson(analysis);
        var copies = json["transformations"]!.AsArray().Where(t => t!["supersededBy"] is not null).Select(t => (string)t!["file"]!).OrderBy(f => f, StringComparer.Ordinal);
        Assert.Equal(new[] { "Warehouse/Migrations/001_segment_of.sql", Copy, Copy }, copies);
    }
}
