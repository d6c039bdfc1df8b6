using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using static EtlAgent.Core.Tests.Sandbox.SandboxTestWorkspace;

namespace EtlAgent.Core.Tests.Sandbox;

/// <summary>Test files as a careless user writes them: every mistake placed where it is, every YAML style the same file.</summary>
public class TestFileReliabilityTests
{
    /// <summary>The YAML parser places these at the node it was reading (often 1:1); the error names the tab's own place.</summary>
    [Theory]
    [InlineData("transformation: dbo.LoadDst\ncases:\n  - name: one\n\tgiven: {}\n", 4, 1)]
    [InlineData("transformation: dbo.LoadDst\ncases:\n\t- name: one\n", 3, 1)]
    [InlineData("transformation: dbo.LoadDst # a\tb\ncases:\n  - name: one\n    given:\n\t  dbo.Src: []\n", 5, 1)]
    public void A_tab_in_the_indentation_is_reported_at_its_line_and_column(string yaml, int line, int column)
    {
        var error = Assert.Single(Load(yaml).Errors);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Equal("not valid YAML: a tab in the indentation; YAML indents with spaces only", error.Message);
    }

    [Fact]
    public void A_value_of_the_wrong_kind_is_a_load_error_at_the_value_not_schema_drift()
    {
        var result = Load("""
            transformation: dbo.LoadDst
            cases:
              - name: wrong kinds
                given:
                  dbo.Src:
                    - {Id: abc, Amount: "twelve"}
            """);
        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Null(e.Drift));
        Assert.All(result.Errors, e => Assert.DoesNotContain(SchemaChange.Prefix, e.Message));
        Assert.Equal((6, 16), (result.Errors[0].Line, result.Errors[0].Column));
        Assert.StartsWith("dbo.Src.[Id]: ", result.Errors[0].Message);
        Assert.StartsWith("dbo.Src.[Amount]: ", result.Errors[1].Message);
        // the drift detector, which offers the update, says nothing about them
        Assert.True(SchemaDrift.Detect(SandboxTestWorkspace.Analysis.Catalog, "tests/x.etltest.yaml", """
            transformation: dbo.LoadDst
            cases:
              - name: wrong kinds
                given:
                  dbo.Src:
                    - {Id: abc, Amount: "twelve"}
            """).IsEmpty);
    }

    public static TheoryData<string, string> Styles => new()
    {
        { "block", "transformation: dbo.LoadDst\ncases:\n  - name: one\n    call: {\"@BatchId\": 1}\n" },
        { "quoted key", "\"transformation\": 'dbo.LoadDst'\n'cases':\n  - name: one\n    call: {\"@BatchId\": 1}\n" },
        { "JSON", "{\"transformation\": \"[dbo].[LoadDst]\", \"cases\": [{\"name\": \"one\", \"call\": {\"@BatchId\": 1}}]}\n" },
        { "indented", "# a comment\n---\n  transformation:   dbo.LoadDst   # trailing\n  cases:\n    - name: one\n      call: {\"@BatchId\": 1}\n" },
    };

    /// <summary>The editor's index (code lenses, lookups by transformation) and the loader agree on every style.</summary>
    [Theory]
    [MemberData(nameof(Styles))]
    public void Every_YAML_style_targets_the_same_transformation_everywhere(string style, string yaml)
    {
        var files = Files().Add("tests/etl/x.etltest.yaml", yaml);
        Assert.True(Load(yaml, "tests/etl/x.etltest.yaml").Success, style);
        Assert.Equal("dbo.LoadDst", Load(yaml, "tests/etl/x.etltest.yaml").File!.Transformation);
        var index = WorkspaceTests.IndexByTransformation(files, WorkspaceSettings.Default);
        Assert.Equal(new[] { "tests/etl/x.etltest.yaml" }, index.GetValueOrDefault("dbo.LoadDst"));
        Assert.True(TestFileOutline.NameComparer.Equals("dbo.LoadDst", TestFileOutline.Read(yaml)!.TransformationKey!));
        Assert.Equal("dbo.LoadDst", TestFileOutline.Read(yaml)!.DisplayName);
        Assert.Equal(new[] { "one" }, TestFileOutline.Read(yaml)!.CaseNames);
    }

    [Fact]
    public void A_file_that_is_not_a_test_file_has_no_outline()
    {
        Assert.Null(TestFileOutline.Read("- just\n- a list\n"));
        Assert.Null(TestFileOutline.Read("key: [unclosed\n"));
        Assert.Null(TestFileOutline.Read("cases: []\n")!.TransformationKey);
    }

    /// <summary>`rows: []` names no column; the rows found anyway are listed whole, not as blank lines.</summary>
    [Fact]
    public void Unexpected_rows_against_an_empty_expectation_are_shown()
    {
        var file = LoadOk("""
            transformation: dbo.LoadDst
            cases:
              - name: nothing is loaded
                given:
                  dbo.Src:
                    - {Id: 1, Name: "Ann", Amount: 10}
                call: {"@BatchId": 7}
                expect:
                  dbo.Dst:
                    rows: []
            """);
        var runner = new TestRunner(SandboxTestWorkspace.Analysis, setup => new FakeSandboxFactory(setup, TestRunnerTests.LoadDst));
        var run = runner.RunAsync(new[] { file }).GetAwaiter().GetResult();
        var mismatch = Assert.IsType<RowsMismatch>(Assert.Single(run.Cases[0].Failures));
        Assert.Equal(1, mismatch.Diff.Unexpected.Count);
        Assert.Contains("Name", mismatch.Diff.Columns);
        var text = Core.Reporting.TestReport.Text(run);
        Assert.Matches(@"║\s+Id\s+│\s+Name\s+│\s+Amount", text);
        Assert.Matches(@"║\s+1\s+│\s+Ann\s+│\s+10", text);
    }
}
