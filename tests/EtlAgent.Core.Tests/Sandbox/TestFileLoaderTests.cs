using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using static EtlAgent.Core.Tests.Sandbox.SandboxTestWorkspace;

namespace EtlAgent.Core.Tests.Sandbox;

public class TestFileLoaderTests
{
    [Fact]
    public void Every_fixture_warehouse_test_file_loads_without_errors()
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("warehouse"));
        var paths = TestFileLoader.FindTestFiles(files, WorkspaceSettings.Load(files));
        Assert.True(paths.Count >= 5, $"found {paths.Count} test files");
        var results = new TestFileLoader(WarehouseFixture.Analysis).LoadAll(files, paths);
        foreach (var r in results) Assert.True(r.Success, string.Join("\n", r.Errors));
        Assert.True(results.Sum(r => r.File!.Cases.Count) >= 14);

        var customer = results.Single(r => r.File!.Transformation == "Dim.LoadCustomer").File!;
        Assert.Equal("tests/etl/Dim.LoadCustomer.etltest.yaml", customer.Path);
        var first = customer.Cases[0];
        Assert.Equal(new DateTime(2016, 6, 2, 8, 0, 0), first.Clock);
        var current = first.Given.Single(g => g.Table.ToString() == "Dim.Customer").Rows[0];
        Assert.Equal(100, current["Customer Key"]);                                        // int column → int
        Assert.Equal(new DateTime(9999, 12, 31, 23, 59, 59).AddTicks(9_999_999), current["Valid To"]); // datetime2(7), lossless
        Assert.Equal(10, first.Expect.Tables[0].Columns!.Count);

        var sale = results.Single(r => r.File!.Transformation == "Fact.LoadSale").File!;
        Assert.False(sale.EnforceForeignKeys);
        var saleRow = sale.Cases[0].Expect.Tables.Single(t => t.Table!.Value.ToString() == "Fact.Sale").Rows[0];
        Assert.Equal(2.50m, saleRow["Unit Price"]);
        Assert.Equal("2.50", ((decimal)saleRow["Unit Price"]!).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(saleRow["Delivery Date Key"]);

        var date = results.Single(r => r.File!.Transformation == "Dim.PopulateDate").File!;
        Assert.Equal(new DateTime(2016, 1, 1), date.Cases[0].Call.Single(a => a.Key == "@StartDate").Value);
        Assert.Equal(MatchMode.Contains, date.Cases[0].Expect.Tables[0].Match);
        Assert.Equal(366, date.Cases[0].Expect.RowCounts[0].Count);
        Assert.Equal(50020, date.Cases[3].Expect.Error!.Number);
        Assert.Equal((byte)5, date.Cases[0].Expect.Tables[0].Rows[0]["Day Of Week"]); // tinyint → byte
        Assert.Equal(true, date.Cases[0].Expect.Tables[0].Rows[1]["Is Month End"]);

        var view = results.Single(r => r.File!.Transformation == "Reporting.CurrentCustomer").File!;
        Assert.NotNull(view.Cases[0].Expect.Result);
        Assert.Equal(new DateTime(2016, 6, 1, 10, 0, 0), view.Cases[0].Expect.Result!.Rows[0]["Customer Since Version"]);
    }

    [Fact]
    public void A_table_whose_name_has_a_dot_is_written_as_the_catalog_prints_it()
    {
        var analysis = Analyze(new EtlAgent.Core.Ports.MemoryFileSource().Add("s.sql", "CREATE TABLE [odd].[Dim.Part] (Id int NOT NULL);\nGO\nCREATE PROCEDURE odd.LoadPart AS INSERT INTO [odd].[Dim.Part] (Id) VALUES (1);\nGO\n"));
        var result = new TestFileLoader(analysis).Load("tests/x.etltest.yaml", """
            transformation: odd.LoadPart
            cases:
              - name: one row
                given:
                  odd.Dim.Part: []
                expect:
                  odd.Dim.Part:
                    rows:
                      - {Id: 1}
            """);
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        Assert.Equal("Dim.Part", result.File!.Cases[0].Given.Single().Table.Name);
    }

    [Fact]
    public void Unknown_names_are_errors_with_file_line_and_a_suggestion()
    {
        var result = Load("""
            transformation: dbo.LoadDts
            cases:
              - name: typos
                given:
                  dbo.Scr:
                    - {Id: 1}
                  dbo.Src:
                    - {Id: 1, Nmae: "x"}
                call: {"@BatchID": 1, "@Bogus": 2}
                expect:
                  dbo.Dst:
                    columns: [Name, Amuont]
                    rows: []
                  Dst2: []
            """);
        var messages = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains(messages, m => m.StartsWith("tests/x.etltest.yaml:1:17: unknown transformation 'dbo.LoadDts' (did you mean 'dbo.LoadDst'?)"));
        Assert.Contains(messages, m => m.StartsWith("tests/x.etltest.yaml:5:7: unknown table 'dbo.Scr' (did you mean 'dbo.Src'?)"));
        Assert.Contains(messages, m => m.StartsWith("tests/x.etltest.yaml:8:19: out of date with the schema: dbo.Src has no column [Nmae], and [Name] (nvarchar(10)), which this file never names, takes its values: renamed, it seems"));
        Assert.Contains(messages, m => m.Contains(":12:25: out of date with the schema: dbo.Dst has no column [Amuont], and [Amount] (decimal(9,2)), which this file never names, takes its values: renamed, it seems"));
        Assert.Contains(messages, m => m.Contains(":14:7: unknown table 'Dst2' (did you mean 'dbo.Dst'?)"));
        // parameters are not checked when the transformation is unknown; with a known one they are:
        var withParams = Load("""
            transformation: dbo.LoadDst
            cases:
              - name: params
                call: {"@BatchID": 1, "Bogus": 2}
            """);
        Assert.Single(withParams.Errors);
        Assert.Contains("4:27: unknown parameter '@Bogus' of dbo.LoadDst; its parameters: @BatchId, @Note", withParams.Errors[0].ToString());
        var ok = LoadOk("""
            transformation: dbo.LoadDst
            cases:
              - name: params
                call: {"@batchid": 1, "Note": "hi"}
            """);
        Assert.Equal(new[] { "@BatchId", "@Note" }, ok.Cases[0].Call.Select(a => a.Key));
        Assert.Equal(1, ok.Cases[0].Call[0].Value);
    }

    [Fact]
    public void Values_are_converted_by_the_column_type()
    {
        var file = LoadOk("""
            transformation: dbo.LoadDst
            cases:
              - name: types
                given:
                  dbo.Src:
                    - {Id: "7", Name: 12345, Amount: "12.345", Seen: "2016-01-01T10:00:00.001", Flag: 1, Code: ab}
                    - {Id: 8, Name: null, Amount: 3, Seen: "2016-01-01 10:00:00.005", Flag: false, Code: ~}
                    - {Id: 9, Name: "null", Amount: -0.5, Seen: "2016-02-29", Flag: "TRUE"}
                expect:
                  dbo.Dst:
                    - {Id: 1, LoadedAt: "2016-01-01T10:00:00.0005", Status: "new"}
            """);
        var rows = file.Cases[0].Given[0].Rows;
        Assert.Equal(7, rows[0]["Id"]);
        Assert.Equal("12345", rows[0]["Name"]);                       // a plain number in a string column stays its text
        Assert.Equal(12.35m, rows[0]["Amount"]);                      // rounded to decimal(9,2) like SQL Server
        Assert.Equal(new DateTime(2016, 1, 1, 10, 0, 0), rows[0]["Seen"]);            // datetime: .001 → .000
        Assert.Equal(new DateTime(2016, 1, 1, 10, 0, 0, 7), rows[1]["Seen"]);         // datetime: .005 → .007
        Assert.Equal(true, rows[0]["Flag"]);
        Assert.Null(rows[1]["Name"]);
        Assert.Null(rows[1]["Code"]);
        Assert.Equal("null", rows[2]["Name"]);                        // quoted: the string, not NULL
        Assert.Equal(true, rows[2]["Flag"]);
        Assert.Equal(new DateTime(2016, 2, 29), rows[2]["Seen"]);
        Assert.Equal(new DateTime(2016, 1, 1, 10, 0, 0, 1), file.Cases[0].Expect.Tables[0].Rows[0]["LoadedAt"]); // datetime2(3) rounds half up
    }

    [Fact]
    public void Values_that_do_not_fit_are_errors_naming_the_column()
    {
        var result = Load("""
            transformation: dbo.LoadDst
            cases:
              - name: bad values
                given:
                  dbo.Src:
                    - {Id: 2147483648, Name: "this is eleven", Amount: 12345678.9, Seen: "01/02/2016", Flag: 2}
                    - {Id: {nested: 1}}
                  dbo.Dst:
                    - {Name: x, Total: 4}
                  dbo.BigAmounts: []
            """);
        var m = string.Join("\n", result.Errors);
        Assert.Contains("6:16: out of date with the schema: dbo.Src.[Id] is now int: 2147483648 is out of range for int", m);
        Assert.Contains("6:34: out of date with the schema: dbo.Src.[Name] is now nvarchar(10): 'this is eleven' (14 characters) no longer fits", m);
        Assert.Contains("out of date with the schema: dbo.Src.[Amount] is now decimal(9,2): 12345678.9 does not fit decimal(9,2)", m);
        Assert.Contains("dbo.Src.[Seen]: '01/02/2016' is not a date/time in ISO form", m);
        Assert.Contains("out of date with the schema: dbo.Src.[Flag] is now bit: '2' is not a bit", m);
        Assert.Contains("7:16: dbo.Src.[Id]: a value must be a scalar", m);
        Assert.Contains("9:21: dbo.Dst.[Total] is a computed column", m);
        Assert.Contains("10:7: dbo.BigAmounts is a view, not a table; given rows go into tables", m);
    }

    [Fact]
    public void Structure_problems_are_reported_at_their_line()
    {
        var result = Load("""
            transformation: dbo.LoadDst
            enforce_foreign_keys: maybe
            cases:
              - name: one
                expect:
                  dbo.Dst:
                    columns: [Name]
                    match: some
                    rows:
                      - {Name: a, Amount: 1}
                  dbo.Src:
                    rows:
                      - {Id: 1, Name: a}
                      - {Id: 2}
                  row_counts: {dbo.Dst: -1}
                  error: {numbr: 5}
              - name: one
                given: {dbo.Src: [{Id: 1}], dbo.src: []}
                expectt: {}
              - clock: "yesterday"
            """);
        var m = string.Join("\n", result.Errors);
        Assert.Contains("2:23: enforce_foreign_keys must be true or false; got 'maybe'", m);
        Assert.Contains("8:16: match must be 'exact' or 'contains'; got 'some'", m);
        Assert.Contains("10:13: dbo.Dst: the row gives 'Amount', which is not in 'columns' (Name)", m);
        Assert.Contains("14:13: dbo.Src: the row does not give 'Name'", m);
        Assert.Contains("15:29: the row count of dbo.Dst must be a whole number", m);
        Assert.Contains("16:15: unknown key 'numbr' in error (did you mean 'number'?)", m);
        Assert.Contains("17:5: case name 'one' is used twice (first at line 4)", m);
        Assert.Contains("18:33: dbo.Src is given twice in this case", m);
        Assert.Contains("19:5: unknown key 'expectt' in a case (did you mean 'expect'?)", m);
        Assert.Contains("20:12: clock 'yesterday' is not an ISO date/time", m);
        Assert.Contains("20:5: a case needs a 'name'", m);
        Assert.NotNull(result.File); // everything else still bound
    }

    [Fact]
    public void Invalid_yaml_and_empty_files_are_placed_errors()
    {
        var broken = Load("transformation: dbo.LoadDst\ncases:\n  - name: \"unterminated\n");
        Assert.Null(broken.File);
        Assert.Single(broken.Errors);
        Assert.StartsWith("tests/x.etltest.yaml:", broken.Errors[0].ToString());
        Assert.Contains("not valid YAML", broken.Errors[0].Message);

        var duplicate = Load("transformation: dbo.LoadDst\ntransformation: dbo.LoadDst\ncases: []\n");
        Assert.NotEmpty(duplicate.Errors);
        Assert.Contains(duplicate.Errors, e => e.Line == 2);

        Assert.Contains("the file is empty", Load("").Errors.Single().Message);
        Assert.Contains("must be a mapping", Load("- a\n- b\n").Errors.Single().Message);
        var missing = Load("transformation: dbo.LoadDst\n");
        Assert.Contains(missing.Errors, e => e.Message.StartsWith("missing 'cases'"));
    }

    [Fact]
    public void Shorthand_rows_error_shorthand_scripts_and_views()
    {
        var file = LoadOk("""
            transformation: dbo.BigAmounts
            cases:
              - name: result
                given: {dbo.Src: [{Id: 1, Amount: 150}, {Id: 2, Amount: 50}]}
                expect:
                  result: [{Id: 1, Amount: 150.00}]
                  dbo.Src: []
                  error: null
            """);
        var result = file.Cases[0].Expect.Result!;
        Assert.Null(result.Table);
        Assert.Equal(150m, result.Rows[0]["Amount"]); // typed by the view's shape
        Assert.Empty(file.Cases[0].Expect.Tables[0].Rows);
        Assert.Equal(MatchMode.Exact, file.Cases[0].Expect.Tables[0].Match);
        Assert.NotNull(file.Cases[0].Expect.Error);

        var viewWithCall = Load("transformation: dbo.BigAmounts\ncases:\n  - name: a\n    call: {\"@x\": 1}\n");
        Assert.Contains("dbo.BigAmounts is a view; it takes no parameters", viewWithCall.Errors.Single().Message);
    }
}
