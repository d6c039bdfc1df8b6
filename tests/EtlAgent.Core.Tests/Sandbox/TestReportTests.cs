using System.Text.Json;
using System.Xml.Linq;
using EtlAgent.Core.Model;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using static EtlAgent.Core.Tests.Sandbox.SandboxTestWorkspace;

namespace EtlAgent.Core.Tests.Sandbox;

public class TestReportTests
{
    private const string Yaml = """
        transformation: dbo.LoadDst
        cases:
          - name: copies every row
            given:
              dbo.Src:
                - {Id: 1, Name: "Ann", Amount: 10}
                - {Id: 2, Name: "Bob", Amount: 2.5}
            expect:
              dbo.Dst:
                columns: [Name, Amount]
                rows:
                  - {Name: "Ann", Amount: 10}
                  - {Name: "Bob", Amount: 2.5}
          - name: nothing staged raises 51000
            expect:
              error: {number: 51000}
          - name: unsupported
            given: {dbo.Src: [{Id: 3, Name: "<&>"}]}
        """;

    /// <summary>A buggy load: Bob's amount doubled; an empty Src raises 2627 instead of 51000; Id 3 hits an unsupported construct.</summary>
    private static TestRunResult Run()
    {
        var file = LoadOk(Yaml, "tests/etl/dbo.LoadDst.etltest.yaml");
        var location = new Location("Procedures/dbo.LoadDst.sql", new TextRange(0, 0, new LinePosition(6, 4), new LinePosition(6, 40)));
        var runner = new TestRunner(SandboxTestWorkspace.Analysis, setup => new FakeSandboxFactory(setup, (db, r) =>
        {
            var src = db.Rows("dbo.Src");
            if (src.Count == 0)
                return FakeSandbox.Result(new SandboxError(2627, "Violation of PRIMARY KEY constraint 'PK_Dst'.", 14, 1, location, "INSERT INTO dbo.Dst (Name, Amount) SELECT Name, Amount FROM dbo.Src;"),
                    messages: new[] { "starting" });
            if (src.Any(s => (int)s["Id"]! == 3)) throw new UnsupportedConstructException("CURSOR GLOBAL", location);
            foreach (var s in src.ToList())
                db.Insert(QualifiedName.Parse("dbo.Dst"), new SandboxRow { ["Name"] = s["Name"], ["Amount"] = (string)s["Name"]! == "Bob" ? 5.00m : s["Amount"] });
            return null;
        }));
        return runner.RunAsync(new[] { file }).GetAwaiter().GetResult();
    }

    [Fact]
    public void Text_shows_case_table_missing_and_unexpected_side_by_side_and_ends_with_the_counts()
    {
        var text = TestReport.Text(Run()).Replace("\r\n", "\n");
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal("0 passed, 3 failed", lines[^1]);
        Assert.Matches(@"^FAIL  dbo\.LoadDst › copies every row  \(\d+ ms\)$", lines[0]);
        Assert.Contains("      at tests/etl/dbo.LoadDst.etltest.yaml:3", text);
        Assert.Contains("      dbo.Dst: 1 missing, 1 unexpected (expected 2 rows, found 2)  (tests/etl/dbo.LoadDst.etltest.yaml:9)", text);
        Assert.Contains("        missing (expected, not found)  ║  unexpected (found, not expected)", text);
        Assert.Contains("        Name │ Amount                  ║  Name │ Amount", text);
        Assert.Contains("        Bob  │ 2.50                    ║  Bob  │ 5.00", text);
        Assert.Contains("      expected error 51000 but the call raised error 2627: Violation of PRIMARY KEY constraint 'PK_Dst'.", text);
        Assert.Contains("        Msg 2627, Level 14, State 1, at Procedures/dbo.LoadDst.sql:7:5", text);
        Assert.Contains("        statement: INSERT INTO dbo.Dst (Name, Amount) SELECT Name, Amount FROM dbo.Src;", text);
        Assert.Contains("ERROR dbo.LoadDst › unsupported", text);
        Assert.Contains("Procedures/dbo.LoadDst.sql:7:5: CURSOR GLOBAL is not supported by the sandbox.", text);
        Assert.Contains("3 cases in 1 files on fake", text);
    }

    [Fact]
    public void JUnit_xml_has_suites_cases_failures_and_errors()
    {
        var xml = JUnitReport.Write(Run(), new DateTime(2026, 1, 2, 3, 4, 5));
        var doc = XDocument.Parse(xml);
        var root = doc.Root!;
        Assert.Equal("testsuites", root.Name.LocalName);
        Assert.Equal("3", root.Attribute("tests")!.Value);
        Assert.Equal("2", root.Attribute("failures")!.Value);
        Assert.Equal("1", root.Attribute("errors")!.Value);
        var suite = Assert.Single(root.Elements("testsuite"));
        Assert.Equal("dbo.LoadDst", suite.Attribute("name")!.Value);
        Assert.Equal("tests/etl/dbo.LoadDst.etltest.yaml", suite.Attribute("file")!.Value);
        Assert.Equal("2026-01-02T03:04:05", suite.Attribute("timestamp")!.Value);
        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(new[] { "copies every row", "nothing staged raises 51000", "unsupported" }, cases.Select(c => c.Attribute("name")!.Value));
        Assert.All(cases, c => Assert.Equal("dbo.LoadDst", c.Attribute("classname")!.Value));
        Assert.Matches(@"^\d+\.\d{3}$", cases[0].Attribute("time")!.Value);
        var failure = cases[0].Element("failure")!;
        Assert.Equal("dbo.Dst: 1 missing, 1 unexpected (expected 2 rows, found 2)", failure.Attribute("message")!.Value);
        Assert.Contains("Bob  │ 2.50", failure.Value);
        Assert.Equal("starting", cases[1].Element("system-out")!.Value);
        Assert.NotNull(cases[2].Element("error"));
        Assert.Null(cases[2].Element("failure"));
    }

    [Fact]
    public void Json_has_outcomes_rows_and_errors()
    {
        var json = JsonDocument.Parse(DiscoveryReport.Serialize(TestReport.ToJson(Run()))).RootElement;
        Assert.Equal(0, json.GetProperty("summary").GetProperty("passed").GetInt32());
        Assert.Equal(3, json.GetProperty("summary").GetProperty("failed").GetInt32());
        var first = json.GetProperty("cases")[0];
        Assert.Equal("failed", first.GetProperty("outcome").GetString());
        var f = first.GetProperty("failures")[0];
        Assert.Equal("rows", f.GetProperty("kind").GetString());
        Assert.Equal(2.50m, f.GetProperty("missing")[0].GetProperty("Amount").GetDecimal());
        Assert.Equal(5.00m, f.GetProperty("unexpected")[0].GetProperty("Amount").GetDecimal());
        var error = json.GetProperty("cases")[1].GetProperty("failures")[0].GetProperty("actual");
        Assert.Equal(2627, error.GetProperty("number").GetInt32());
        Assert.Equal(7, error.GetProperty("location").GetProperty("line").GetInt32());
        Assert.Equal("error", json.GetProperty("cases")[2].GetProperty("outcome").GetString());
    }
}
