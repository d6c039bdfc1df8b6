using System.Text.RegularExpressions;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.RunReports;

/// <summary>The HTML run report a full run writes: self-contained, the pipelines drawn, statuses, failures, findings, trends.</summary>
public class HtmlRunReportTests
{
    private static MemoryFileSource FullRunFixture() =>
        new MemoryFileSource().AddAll(new PhysicalFileSource(TestPaths.Fixture("full-run")));

    private static Engine Open(MemoryFileSource files) =>
        Engine.Create(files, WorkspaceSettings.Load(files), new EngineHost(new SystemClock(), EnvironmentVariables.None));

    [Fact]
    public async Task A_run_writes_a_self_contained_page_with_the_pipelines_statuses_failures_and_findings()
    {
        var files = FullRunFixture();
        // a failing expectation in the hand-written test: the report shows it
        var test = "tests/etl/Etl.CloseCustomers.etltest.yaml";
        var text = files.ReadAllText(test);
        var result = await Open(files).FullRun(files, new FullRunOptions { Generate = false }).RunAsync();
        Assert.Contains(HtmlRunReport.File, result.Reports);
        var html = files.ReadAllText(HtmlRunReport.File);

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotMatch(new Regex(@"(src|href)\s*=\s*""(https?:)?//"), html); // nothing fetched
        Assert.DoesNotContain("<script", html);
        // one box per transformation in the picture, coloured by status
        var boxes = Regex.Matches(html, "<g class=\"node (\\w+)\">").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(result.Analysis.Transformations.Count, boxes.Count);
        Assert.Contains("passed", boxes);
        Assert.Contains("untested", boxes);
        foreach (var t in result.Analysis.Transformations) Assert.Contains($"<code>{t.Transformation.Name}</code>", html);
        Assert.Contains("ETL0010", html); // the finding
        Assert.Contains("None: every case passed.", html);
        Assert.DoesNotContain("<h2>Trends</h2>", html);

        // now make the test fail: the failure is shown with what went wrong, and its box is red
        files.Add(test, text.Replace("{\"Customer Code\": \"C-2\", \"Is Current\": false", "{\"Customer Code\": \"C-2\", \"Is Current\": true"));
        var failing = await Open(files).FullRun(files, new FullRunOptions { Generate = false }).RunAsync();
        Assert.Equal(1, failing.Tests.Failed);
        html = files.ReadAllText(HtmlRunReport.File);
        Assert.Contains("Etl.CloseCustomers › a customer missing from staging is closed as of the given time", html);
        Assert.Contains("<g class=\"node failed\">", html);
        Assert.Contains("<article class=\"failure\">", html);
        // with its root cause, as the run's analysis found it
        var cause = Assert.Single(failing.RootCauses.Failures).RootCause;
        Assert.NotNull(cause);
        Assert.Contains($"<div class=\"cause\"><b>Root cause</b> ({cause!.Class}", html);
        Assert.Contains(System.Net.WebUtility.HtmlEncode($"{cause.File}:{cause.Line}"), html);
    }

    [Fact]
    public void Failures_trends_and_names_are_rendered_and_escaped()
    {
        var t = new Transformation("dbo.<Load>&\"x\"", TransformationKind.Procedure, "p.sql", default, default,
            new[] { new QualifiedName("dbo", "Src") }, new[] { new QualifiedName("dbo", "Dst") }, Array.Empty<QualifiedName>(), Array.Empty<ParameterDef>(), Array.Empty<ColumnLineage>());
        var reader = new Transformation("dbo.Report", TransformationKind.View, "v.sql", default, default,
            new[] { new QualifiedName("dbo", "Dst") }, Array.Empty<QualifiedName>(), Array.Empty<QualifiedName>(), Array.Empty<ParameterDef>(), Array.Empty<ColumnLineage>());
        var data = new RunReportData("W <1>", new DateTime(2026, 12, 6, 12, 0, 0), new[] { t, reader },
            new Core.Sandbox.Runner.TestRunResult(Array.Empty<Core.Sandbox.Runner.TestCaseResult>(), "duckdb", TimeSpan.Zero),
            new[] { new Core.Sandbox.TestFiles.TestFileError("tests/etl/x.etltest.yaml", 3, 5, "unknown column <Foo>") },
            Array.Empty<Finding>(), new[] { ("dbo.Report", "views are tested through their loads") })
        {
            History = new[] { new RunTrendPoint(new DateTime(2026, 12, 5), 3, 1, 4, 0.5), new RunTrendPoint(new DateTime(2026, 12, 6), 4, 0, 2) },
        };
        var html = HtmlRunReport.Write(data);
        Assert.DoesNotContain("<Load>", html);
        Assert.Contains("dbo.&lt;Load&gt;&amp;&quot;x&quot;", html);
        Assert.Contains("W &lt;1&gt;", html);
        Assert.Contains("unknown column &lt;Foo&gt;", html);
        Assert.Contains("tests/etl/x.etltest.yaml:3:5 did not load", html);
        Assert.Contains("<h2>Trends</h2>", html);
        Assert.Contains("<polyline class=\"passrate\"", html);
        Assert.Contains("50%", html);
        Assert.Contains("views are tested through their loads", html);
        Assert.Contains("<path class=\"edge\"", html); // the view reads what the load writes
        // the reader of Dst sits right of its writer
        var edge = Assert.Single(PipelineGraph.Edges(new[] { t, reader }));
        Assert.Equal((t.Name, "dbo.Report", false), (edge.From, edge.To, edge.Runs));
        var layers = PipelineGraph.Layers(new[] { t.Name, reader.Name }, new[] { edge });
        Assert.True(layers[reader.Name] > layers[t.Name]);
        // the same procedure defined twice (a project and its generated release script) is one box, not a crash
        var svg = PipelineGraph.Svg(new[] { t, reader, t with { File = "ReleaseScript/all.sql" } }, _ => "passed");
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(svg, "<g class=\"node ").Count);
    }

    [Fact]
    public void Callers_sit_right_of_what_they_call_and_cycles_end()
    {
        var edges = new[] { new PipelineGraph.Edge("Orchestrator", "Load", Runs: true), new PipelineGraph.Edge("A", "B", false), new PipelineGraph.Edge("B", "A", false) };
        var layers = PipelineGraph.Layers(new[] { "Orchestrator", "Load", "A", "B" }, edges);
        Assert.True(layers["Orchestrator"] > layers["Load"]);
        Assert.True(layers["A"] < 4 && layers["B"] < 4);
    }
}
