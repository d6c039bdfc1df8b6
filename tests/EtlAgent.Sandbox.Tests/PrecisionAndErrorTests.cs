using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// What the sandbox cannot hold exactly is refused where it enters, naming the place (datetime2's
/// 100-ns digit); errors from given rows read as SQL Server's and point at the row in the test file.
/// </summary>
public sealed class PrecisionAndErrorTests
{
    private static readonly DateTime Clock = new(2016, 6, 2, 8, 0, 0);

    private static async Task<TestCaseResult> RunYaml(string yaml)
    {
        var analysis = Harness.Analyze(Path.Combine(Harness.Fixture("conformance"), "schema"));
        var loaded = new TestFileLoader(analysis).Load("tests/limits.etltest.yaml", yaml);
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors));
        var run = await new TestRunner(analysis, s => new DuckDbSandboxFactory(s)).RunAsync(new[] { loaded.File! });
        return Assert.Single(run.Cases);
    }

    /// <summary>A test file whose one case gives these rows (line 7 onwards, one row a line).</summary>
    private static string Given(string table, params string[] rows) =>
        "transformation: Conf.AddOne\n" +
        "cases:\n" +
        "  - name: given rows\n" +
        "    call: {\"@x\": 1}\n" +
        "    given:\n" +
        $"      {table}:\n" +
        string.Concat(rows.Select(r => $"        - {r}\n")) +
        "    expect:\n" +
        $"      row_counts: {{\"{table}\": 0}}\n";

    [Fact]
    public async Task A_given_row_that_breaks_a_CHECK_is_error_547_at_its_line()
    {
        var result = await RunYaml(Given("Conf.Item", """{"Code": "a", "Qty": 1}""", """{"Code": "b", "Qty": -1}"""));
        Assert.Equal(TestOutcome.Error, result.Outcome);
        var failure = Assert.IsType<SandboxFailure>(Assert.Single(result.Failures));
        Assert.Contains("Msg 547", failure.Message);
        Assert.Contains("The INSERT statement conflicted with the CHECK constraint \"CK_Item_Qty\". The conflict occurred in database \"Sandbox\", table \"Conf.Item\", column 'Qty'.", failure.Message);
        Assert.DoesNotContain("CASE", failure.Message);
        Assert.DoesNotContain("error(", failure.Message);
        Assert.Equal(8, failure.Line);
        Assert.Equal("tests/limits.etltest.yaml", failure.Location?.File);
        Assert.StartsWith("tests/limits.etltest.yaml:8:", failure.Message);
    }

    [Fact]
    public async Task Duplicate_given_rows_are_error_2627_with_key_name_and_value_at_the_second_row()
    {
        var result = await RunYaml(Given("Conf.Target", """{"Key": 4}""", """{"Key": 5}""", """{"Key": 4}"""));
        var failure = Assert.IsType<SandboxFailure>(Assert.Single(result.Failures));
        Assert.Contains("Violation of PRIMARY KEY constraint 'PK__Target'. Cannot insert duplicate key in object 'Conf.Target'. The duplicate key value is (4).", failure.Message);
        Assert.Equal(9, failure.Line);
    }

    [Fact]
    public async Task A_given_row_with_a_missing_parent_is_error_547_naming_the_foreign_key()
    {
        var result = await RunYaml(Given("Conf.Child", """{"ID": 1, "Parent ID": 9}"""));
        var failure = Assert.IsType<SandboxFailure>(Assert.Single(result.Failures));
        Assert.Contains("FOREIGN KEY constraint \"FK__Child__Parent ID\"", failure.Message);
        Assert.Contains("table \"Conf.Parent\", column 'ID'", failure.Message);
        Assert.Equal(7, failure.Line);
    }

    [Fact]
    public async Task Given_rows_of_a_tree_go_in_whatever_order_they_are_written_and_a_missing_parent_is_still_547()
    {
        // SQL Server checks a foreign key on the table itself once the statement has added all its rows
        var tree = await RunYaml(Given("Conf.Node", """{"ID": 3, "Parent ID": 2}""", """{"ID": 2, "Parent ID": 1}""", """{"ID": 1, "Parent ID": null}"""));
        Assert.DoesNotContain(tree.Failures, f => f is SandboxFailure);
        var orphan = await RunYaml(Given("Conf.Node", """{"ID": 1, "Parent ID": null}""", """{"ID": 2, "Parent ID": 9}"""));
        var failure = Assert.IsType<SandboxFailure>(Assert.Single(orphan.Failures));
        Assert.Contains("FOREIGN KEY constraint \"FK_Node_Parent\"", failure.Message);
        Assert.Equal(8, failure.Line);
    }

    [Fact]
    public async Task A_given_datetime2_with_100_ns_is_refused_at_its_line()
    {
        var result = await RunYaml(Given("Conf.Orders", """{"Customer": "a", "Placed At": "2016-06-02T08:00:00.1234567"}"""));
        var failure = Assert.IsType<SandboxFailure>(Assert.Single(result.Failures));
        Assert.Contains("100 ns", failure.Message);
        Assert.Contains("Placed At", failure.Message);
        Assert.NotNull(failure.Construct);
        Assert.Equal(7, failure.Line);
    }

    [Fact]
    public async Task The_end_of_time_sentinel_and_six_digit_values_round_trip_exactly()
    {
        await using var sandbox = await Harness.Conformance.CreateAsync();
        var endOfTime = DateTime.MaxValue; // 9999-12-31 23:59:59.9999999
        var lastMicrosecond = new DateTime(2016, 6, 1, 23, 59, 59).AddTicks(9_999_990);
        await sandbox.InsertRowsAsync(QualifiedName.Parse("Conf.Orders"), new[]
        {
            new SandboxRow { ["Customer"] = "a", ["Placed At"] = endOfTime },
            new SandboxRow { ["Customer"] = "b", ["Placed At"] = lastMicrosecond },
        });
        var rows = await sandbox.ReadTableAsync(QualifiedName.Parse("Conf.Orders"));
        Assert.Equal(endOfTime, rows.Single(r => (string)r["Customer"]! == "a")["Placed At"]);
        // Before, any …:59.999999 came back as …:59.9999999: only the maximum is mapped now.
        Assert.Equal(lastMicrosecond, rows.Single(r => (string)r["Customer"]! == "b")["Placed At"]);
    }

    [Fact]
    public async Task The_microsecond_that_stands_for_the_maximum_is_refused_as_a_given_value()
    {
        await using var sandbox = await Harness.Conformance.CreateAsync();
        var e = await Assert.ThrowsAsync<GivenRowException>(() => sandbox.InsertRowsAsync(QualifiedName.Parse("Conf.Orders"), new[]
        {
            new SandboxRow { ["Customer"] = "a", ["Placed At"] = "9999-12-31T23:59:59.999999" },
        }));
        Assert.Equal(0, e.RowIndex);
        Assert.Contains("cannot be told apart", e.Message);
    }

    [Fact]
    public async Task SYSDATETIME_with_a_100_ns_clock_is_refused_where_it_is_called_and_GETDATE_rounds()
    {
        var clock = Clock.AddTicks(1_234_567);
        await using var sandbox = (DuckDbSandbox)await Harness.Conformance.CreateAsync();
        var e = await Assert.ThrowsAsync<UnsupportedConstructException>(() => sandbox.ExecuteSqlAsync("SELECT 1;\nSELECT SYSDATETIME();", clock));
        Assert.Equal(2, e.Location!.Range.Start.Line + 1);
        Assert.Contains("SYSDATETIME", e.Message);

        // A default of SYSDATETIME() is refused at run time, at the INSERT that needed it.
        var d = await Assert.ThrowsAsync<UnsupportedConstructException>(() => sandbox.ExecuteSqlAsync("INSERT INTO Conf.Orders (Customer) VALUES (N'x');", clock));
        Assert.Contains("Placed At", d.Message);
        Assert.NotNull(d.Location);

        var ok = await sandbox.ExecuteSqlAsync("SELECT GETDATE() AS Now;", clock);
        Assert.Null(ok.Error);
        Assert.Equal(new DateTime(2016, 6, 2, 8, 0, 0, 123), ok.ResultSets[0].Rows[0]["Now"]);
    }

    [Fact]
    public async Task A_string_column_with_100_ns_read_into_datetime2_is_refused_at_the_statement()
    {
        await using var sandbox = (DuckDbSandbox)await Harness.Conformance.CreateAsync();
        var e = await Assert.ThrowsAsync<UnsupportedConstructException>(() => sandbox.ExecuteSqlAsync(
            "CREATE TABLE #s (v nvarchar(40));\nINSERT INTO #s VALUES (N'2016-06-02 08:30:00.1234567');\nSELECT CAST(v AS datetime2) FROM #s;", Clock));
        Assert.Equal(3, e.Location!.Range.Start.Line + 1);
        Assert.Contains("'2016-06-02 08:30:00.1234567'", e.Message);
    }

    [Theory]
    [InlineData("SELECT DATEADD(nanosecond, 150, SYSDATETIME());", "DATEADD(nanosecond, 150")]
    [InlineData("DECLARE @n int = 250;\nSELECT DATEADD(ns, @n, SYSDATETIME());", "DATEADD(ns")]
    [InlineData("SELECT CAST('08:30:00.1234567' AS time);", "time")]
    [InlineData("DECLARE @d datetime2 = '9999-12-31 23:59:59.9999999';\nSELECT DATEADD(day, -1, @d);", "datetime2 maximum")]
    public async Task Other_100_ns_results_are_refused_not_dropped(string sql, string construct)
    {
        await using var sandbox = (DuckDbSandbox)await Harness.Conformance.CreateAsync();
        var e = await Assert.ThrowsAsync<UnsupportedConstructException>(() => sandbox.ExecuteSqlAsync(sql, Clock));
        Assert.Contains(construct, e.Message);
        Assert.NotNull(e.Location);
    }

    [Fact]
    public async Task A_procedure_argument_with_100_ns_is_refused_and_one_with_6_digits_is_kept()
    {
        await using var sandbox = await Harness.Conformance.CreateAsync();
        var e = await Assert.ThrowsAsync<UnsupportedConstructException>(() => sandbox.ExecuteAsync(new ExecutionRequest("Conf.PlaceOrder",
            new Dictionary<string, object?> { ["@customer"] = "a", ["@at"] = Clock.AddTicks(1_234_567) }, Clock)));
        Assert.Contains("@at", e.Message);

        var at = Clock.AddTicks(1_234_560);
        var ok = await sandbox.ExecuteAsync(new ExecutionRequest("Conf.PlaceOrder", new Dictionary<string, object?> { ["@customer"] = "b", ["@at"] = at }, Clock));
        Assert.Null(ok.Error);
        Assert.Equal(at, (await sandbox.ReadTableAsync(QualifiedName.Parse("Conf.Orders"))).Single()["Placed At"]);
    }

    [Fact]
    public async Task An_error_in_dynamic_sql_is_placed_at_the_exec_that_ran_it_and_error_line_stays_the_line_in_the_text()
    {
        var files = new MemoryFileSource();
        files.Add("Tables/dbo.Log.sql", "CREATE TABLE dbo.Log (Line int NULL);");
        files.Add("Procedures/dbo.RunText.sql", """
            CREATE PROCEDURE dbo.RunText @fail bit AS
            BEGIN
                DECLARE @t nvarchar(200) = N'SELECT 1;' + NCHAR(10) + N'SELECT * FROM dbo.Nowhere_' + CAST(@fail AS nvarchar(1)) + N';';
                BEGIN TRY
                    EXEC (@t);
                    INSERT INTO dbo.Log (Line) VALUES (0);
                END TRY
                BEGIN CATCH
                    INSERT INTO dbo.Log (Line) VALUES (ERROR_LINE());
                END CATCH
                EXEC (@t);
            END
            """);
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true, MaxDegreeOfParallelism = 1 }.Analyze(files);
        await using var factory = new DuckDbSandboxFactory(new SandboxSetup(analysis, Serves: "dbo.RunText"), null, catalogs: new PreparedCatalogs());
        await using var sandbox = await factory.CreateAsync();
        var run = await sandbox.ExecuteAsync(new ExecutionRequest("dbo.RunText", new Dictionary<string, object?> { ["@fail"] = true }));

        Assert.Equal(208, run.Error?.Number);
        Assert.Equal("Procedures/dbo.RunText.sql", run.Error!.Location?.File);
        Assert.Equal(11, run.Error.Location!.Range.Start.Line + 1); // the second EXEC, the one no CATCH handles
        Assert.Equal(2, run.Error.DynamicLine);
        Assert.Equal(5, Assert.Single(run.Caught).Location!.Range.Start.Line + 1);
        var logged = Assert.Single(await sandbox.ReadTableAsync(QualifiedName.Parse("dbo.Log")));
        Assert.Equal(2, logged["Line"]);
    }
}
