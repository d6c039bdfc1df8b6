using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using static EtlAgent.Core.Tests.Sandbox.SandboxTestWorkspace;

namespace EtlAgent.Core.Tests.Sandbox;

public class TestFileWriterTests
{
    [Fact]
    public void Fixture_files_round_trip_without_loss()
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("warehouse"));
        var loader = new TestFileLoader(WarehouseFixture.Analysis);
        var catalog = WarehouseFixture.Analysis.Catalog;
        foreach (var path in TestFileLoader.FindTestFiles(files, WorkspaceSettings.Load(files)))
        {
            var original = loader.Load(path, files.ReadAllText(path)).File!;
            var written = TestFileWriter.Write(original, catalog);
            var reloaded = loader.Load(path, written);
            Assert.True(reloaded.Success, path + "\n" + string.Join("\n", reloaded.Errors) + "\n" + written);
            AssertSameData(original, reloaded.File!);
            Assert.Equal(written, TestFileWriter.Write(reloaded.File!, catalog)); // stable: writing again changes nothing
        }
    }

    [Fact]
    public void Writes_keys_in_a_fixed_order_one_row_per_line()
    {
        var file = new TestFile("tests/x.etltest.yaml", "dbo.LoadDst", EnforceForeignKeys: false, new[]
        {
            new TestCase("copies rows", new DateTime(2016, 6, 2, 8, 0, 0),
                new[] { new GivenTable(QualifiedName.Parse("dbo.Src"), new[] { Row(("Id", 1), ("Name", "Ann"), ("Amount", 12.50m), ("Seen", new DateTime(2016, 1, 1, 10, 0, 0, 3)), ("Flag", true)) }) },
                new[] { new KeyValuePair<string, object?>("@BatchId", 7) },
                new TestExpectations(
                    new[] { new RowsExpectation(QualifiedName.Parse("dbo.Dst"), new[] { "Name", "Amount" }, MatchMode.Contains, new[] { Row(("Name", "Ann"), ("Amount", 12.50m)) }) },
                    new[] { new RowCountExpectation(QualifiedName.Parse("dbo.Dst"), 1) },
                    new ErrorExpectation(51000, "boom \"quoted\"") { Severity = 16, State = 2 },
                    null)),
        });
        var text = TestFileWriter.Write(file, SandboxTestWorkspace.Analysis.Catalog);
        Assert.Equal("""
            transformation: dbo.LoadDst
            enforce_foreign_keys: false
            cases:
            - name: "copies rows"
              clock: "2016-06-02T08:00:00"
              given:
                dbo.Src:
                - {"Id": 1, "Name": "Ann", "Amount": 12.50, "Seen": "2016-01-01T10:00:00.003", "Flag": true}
              call: {"@BatchId": 7}
              expect:
                dbo.Dst:
                  columns: ["Name", "Amount"]
                  match: contains
                  rows:
                  - {"Name": "Ann", "Amount": 12.50}
                row_counts: {dbo.Dst: 1}
                error: {number: 51000, message_contains: "boom \"quoted\"", severity: 16, state: 2}

            """.Replace("\r\n", "\n"), text);
        var reloaded = Load(text);
        Assert.True(reloaded.Success, string.Join("\n", reloaded.Errors));
        AssertSameData(file, reloaded.File!);
    }

    [Fact]
    public void Canonical_form_orders_cells_by_catalog_and_expected_rows_by_value()
    {
        var shuffled = LoadOk("""
            transformation: dbo.LoadDst
            cases:
              - name: one
                given:
                  dbo.Src: [{Name: "b", Id: 2}, {Amount: 1, Id: 1}]
                expect:
                  row_counts: {dbo.Src: 2, dbo.Dst: 2}
                  dbo.Src: [{Name: "b", Id: 2}, {Id: 1, Name: "a"}]
                  dbo.Dst:
                    columns: [Status, Name]
                    rows: [{Status: "new", Name: "b"}, {Name: "a", Status: "new"}]
            """);
        var canonical = TestFileWriter.Canonicalize(shuffled, SandboxTestWorkspace.Analysis.Catalog);
        var text = TestFileWriter.Write(canonical, SandboxTestWorkspace.Analysis.Catalog);
        Assert.Contains("""
                dbo.Src:
                - {"Id": 2, "Name": "b"}
                - {"Id": 1, "Amount": 1.00}
            """.Replace("\r\n", "\n"), text);                        // given rows keep their order, cells follow the catalog
        Assert.Contains("""
                dbo.Dst:
                  columns: ["Name", "Status"]
                  rows:
                  - {"Name": "a", "Status": "new"}
                  - {"Name": "b", "Status": "new"}
                dbo.Src:
                  rows:
                  - {"Id": 1, "Name": "a"}
                  - {"Id": 2, "Name": "b"}
                row_counts: {dbo.Dst: 2, dbo.Src: 2}
            """.Replace("\r\n", "\n"), text);
        AssertSameData(canonical, LoadOk(text));
        Assert.Equal(text, TestFileWriter.Write(TestFileWriter.Canonicalize(LoadOk(text), SandboxTestWorkspace.Analysis.Catalog), SandboxTestWorkspace.Analysis.Catalog));
    }

    [Theory]
    [InlineData("true")]
    [InlineData("123")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("  padded  ")]
    [InlineData("a: b, {c}")]
    [InlineData("line\nbreak\ttab")]
    [InlineData("ünïcødé — 漢字 😀")]
    [InlineData("'single' \"double\" \\ back")]
    public void Strings_survive_the_round_trip(string value)
    {
        var file = new TestFile("t.etltest.yaml", "dbo.LoadDst", true, new[]
        {
            new TestCase("s", null, Array.Empty<GivenTable>(), Array.Empty<KeyValuePair<string, object?>>(),
                new TestExpectations(Array.Empty<RowsExpectation>(), Array.Empty<RowCountExpectation>(), null,
                    new RowsExpectation(null, null, MatchMode.Exact, new[] { Row(("Label", value)) }))),
        });
        var text = TestFileWriter.Write(file);
        // a procedure's result set has no catalog shape: the column is untyped, so the quoting alone keeps it a string
        var reloaded = new TestFileLoader(SandboxTestWorkspace.Analysis).Load("t.etltest.yaml", text);
        Assert.True(reloaded.Success, string.Join("\n", reloaded.Errors) + "\n" + text);
        var row = reloaded.File!.Cases[0].Expect.Result!.Rows.Single();
        Assert.Equal(value, row.Cells.Single().Value);
    }

    [Fact]
    public void A_case_called_inside_a_transaction_keeps_the_option_through_the_round_trip()
    {
        var file = new TestFile("t.etltest.yaml", "dbo.LoadDst", true, new[]
        {
            new TestCase("inside", null, Array.Empty<GivenTable>(), Array.Empty<KeyValuePair<string, object?>>(), TestExpectations.None) { InTransaction = true },
            new TestCase("outside", null, Array.Empty<GivenTable>(), Array.Empty<KeyValuePair<string, object?>>(), TestExpectations.None),
        });
        var text = TestFileWriter.Write(file);
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Matches(text, "in_transaction: true").Count);
        var reloaded = new TestFileLoader(SandboxTestWorkspace.Analysis).Load("t.etltest.yaml", text);
        Assert.True(reloaded.Success, string.Join("\n", reloaded.Errors) + "\n" + text);
        Assert.Equal(new[] { true, false }, reloaded.File!.Cases.Select(c => c.InTransaction));
        // a value that is no boolean names the key
        var bad = new TestFileLoader(SandboxTestWorkspace.Analysis).Load("t.etltest.yaml", text.Replace("in_transaction: true", "in_transaction: sometimes"));
        Assert.Contains(bad.Errors, e => e.Message.Contains("in_transaction", StringComparison.Ordinal));
    }

    private static TestRow Row(params (string Column, object? Value)[] cells) =>
        new(cells.Select(c => new KeyValuePair<string, object?>(c.Column, c.Value)).ToList());

    internal static void AssertSameData(TestFile a, TestFile b)
    {
        Assert.Equal(a.Transformation, b.Transformation);
        Assert.Equal(a.EnforceForeignKeys, b.EnforceForeignKeys);
        Assert.Equal(a.Cases.Count, b.Cases.Count);
        for (int i = 0; i < a.Cases.Count; i++)
        {
            var (x, y) = (a.Cases[i], b.Cases[i]);
            Assert.Equal(x.Name, y.Name);
            Assert.Equal(x.Clock, y.Clock);
            Assert.Equal(x.Given.Select(g => g.Table), y.Given.Select(g => g.Table));
            for (int g = 0; g < x.Given.Count; g++) AssertRows(x.Given[g].Rows, y.Given[g].Rows);
            Assert.Equal(x.Call, y.Call);
            Assert.Equal(x.Expect.Tables.Count, y.Expect.Tables.Count);
            for (int t = 0; t < x.Expect.Tables.Count; t++) AssertExpectation(x.Expect.Tables[t], y.Expect.Tables[t]);
            Assert.Equal(x.Expect.RowCounts.Select(r => (r.Table, r.Count)), y.Expect.RowCounts.Select(r => (r.Table, r.Count)));
            Assert.Equal(x.Expect.Error?.Number, y.Expect.Error?.Number);
            Assert.Equal(x.Expect.Error?.MessageContains, y.Expect.Error?.MessageContains);
            Assert.Equal(x.Expect.Result is null, y.Expect.Result is null);
            if (x.Expect.Result is not null) AssertExpectation(x.Expect.Result, y.Expect.Result!);
        }
    }

    private static void AssertExpectation(RowsExpectation x, RowsExpectation y)
    {
        Assert.Equal(x.Table, y.Table);
        Assert.Equal(x.Columns, y.Columns);
        Assert.Equal(x.Match, y.Match);
        AssertRows(x.Rows, y.Rows);
    }

    private static void AssertRows(IReadOnlyList<TestRow> x, IReadOnlyList<TestRow> y)
    {
        Assert.Equal(x.Count, y.Count);
        for (int r = 0; r < x.Count; r++)
        {
            Assert.Equal(x[r].Cells.Select(c => c.Key), y[r].Cells.Select(c => c.Key));
            foreach (var (k, v) in x[r].Cells)
            {
                var other = y[r][k];
                Assert.Equal(v?.GetType(), other?.GetType());
                if (v is decimal d) Assert.Equal(d.ToString(System.Globalization.CultureInfo.InvariantCulture), ((decimal)other!).ToString(System.Globalization.CultureInfo.InvariantCulture));
                else Assert.Equal(v, other);
            }
        }
    }
}
