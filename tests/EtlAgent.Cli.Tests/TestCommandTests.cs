using EtlAgent.Cli;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Cli.Tests;

/// <summary>`etl-agent test` in-process: what it does without a sandbox engine, with bad test files, with bad options.</summary>
public class TestCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Cli.Run(args);

    /// <summary>A scratch workspace: the fixture warehouse's SQL plus the given test files.</summary>
    private static string Workspace(params (string Path, string Text)[] tests)
    {
        var root = Path.Combine(Path.GetTempPath(), "etlagent-test-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.EnumerateFiles(TestPaths.Fixture("warehouse"), "*.sql", SearchOption.AllDirectories))
        {
            var target = Path.Combine(root, Path.GetRelativePath(TestPaths.Fixture("warehouse"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        foreach (var (path, text) in tests)
        {
            var target = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, text);
        }
        return root;
    }

    [WithoutSqlServerFact]
    public void Without_sql_server_the_command_runs_the_warehouse_tests_in_the_embedded_sandbox()
    {
        var (code, output, err) = Run("test", TestPaths.Fixture("warehouse"));
        Assert.True(code == 0, output + err);
        Assert.Contains("on duckdb", output);
        Assert.EndsWith(" passed, 0 failed", output.TrimEnd());
    }

    [Fact]
    public void Test_file_errors_are_listed_with_file_and_line_and_exit_2()
    {
        var root = Workspace(("tests/bad.etltest.yaml", """
            transformation: Dim.LoadCustomer
            cases:
              - name: typo
                given:
                  Staging.Customers: []
            """));
        try
        {
            var (code, _, err) = Run("test", root);
            Assert.Equal(2, code);
            Assert.Contains("tests/bad.etltest.yaml:5:7: error: unknown table 'Staging.Customers' (did you mean 'Staging.Customer'?)", err);
            Assert.Contains("1 problem in 1 test file; no test was run.", err);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void A_test_file_behind_the_schema_is_named_out_of_date_with_file_and_line()
    {
        var fixture = TestPaths.Fixture("schema-drift");
        var root = Path.Combine(Path.GetTempPath(), "etlagent-drift-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var (from, to) in new[] { (fixture, root), (Path.Combine(fixture, "changes", "dropped"), root) })
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories).Where(f => !Path.GetRelativePath(from, f).StartsWith("changes")))
            {
                var target = Path.Combine(to, Path.GetRelativePath(from, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true);
            }
        try
        {
            var (code, _, err) = Run("test", root);
            Assert.Equal(2, code);
            Assert.Contains("tests/etl/Dim.LoadSupplier.etltest.yaml:9:", err);
            Assert.Contains(": error: out of date with the schema: Staging.Supplier has no column [Fax Number] any more (dropped)", err);
            Assert.Contains("etl-agent: out of date with the schema: tests/etl/Dim.LoadSupplier.etltest.yaml; the editor's quick fix \"Update test to the new schema\"", err);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void No_test_files_a_filter_that_matches_nothing_and_bad_options_exit_2()
    {
        var root = Workspace();
        try
        {
            var (code, _, err) = Run("test", root);
            Assert.Equal(2, code);
            Assert.Contains("no test files (*.etltest.yaml)", err);
        }
        finally { Directory.Delete(root, recursive: true); }

        var (filterCode, _, filterErr) = Run("test", TestPaths.Fixture("warehouse"), "--filter", "Nothing.Like.This*");
        Assert.Equal(2, filterCode);
        Assert.Contains("--filter 'Nothing.Like.This*' matches no test case", filterErr);

        Assert.Equal(2, Run("test", TestPaths.Fixture("warehouse"), "--format", "xml").Code);
        Assert.Equal(2, Run("test").Code);
        Assert.Contains("--timeout must be a number of seconds", Run("test", TestPaths.Fixture("warehouse"), "--timeout", "soon").Err);
        Assert.Contains("etl-agent test <workspace> [--filter GLOB] [--format text|json|junit] [--timeout SECONDS]", Run("--help").Out);
    }

    [WithoutSqlServerFact]
    public void A_production_connection_string_is_refused_before_anything_runs()
    {
        var root = Workspace(("etl-agent.json", """{"sandbox": {"connectionString": "Server=prod.example;Database=Warehouse;Integrated Security=true"}}"""),
                             ("tests/a.etltest.yaml", "transformation: Dim.PopulateDate\ncases:\n  - name: a\n"));
        try
        {
            var (code, output, err) = Run("test", root);
            Assert.Equal(2, code);
            Assert.Equal("", output);
            Assert.Contains("refusing to run tests in database 'Warehouse'", err);
            Assert.Contains("etl-agent.json sandbox.connectionString", err);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    /// <summary>The command with an embedded engine injected: the fake, running Dim.LoadCustomer as written in C#.</summary>
    private static (int Code, string Out, string Err) RunWithFake(bool closeOldVersion, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var options = CliOptions.Parse(args);
        int code = EtlAgent.Cli.Commands.TestCommand.RunAsync(options, stdout, stderr, new EtlAgent.Core.Agent.EngineHost(new EtlAgent.Core.Workspace.SystemClock(), EtlAgent.Core.Ports.EnvironmentVariables.None),
            (setup, files) => new FakeSandboxFactory(setup, (db, r) => FakeLoadCustomer.Run(db, r, closeOldVersion)),
            CancellationToken.None).GetAwaiter().GetResult();
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Exit_0_when_every_case_passes_1_when_one_fails_in_every_format()
    {
        var warehouse = TestPaths.Fixture("warehouse");
        var (ok, okOut, okErr) = RunWithFake(true, warehouse, "--filter", "Dim.LoadCustomer › first load*");
        Assert.True(ok == 0, okOut + okErr);
        Assert.Equal("1 passed, 0 failed", okOut.TrimEnd('\n').Split('\n')[^1]);

        var (failed, failedOut, _) = RunWithFake(false, warehouse, "--filter", "*closes the current version*");
        Assert.Equal(1, failed);
        Assert.Contains("FAIL  Dim.LoadCustomer › closes the current version and inserts the new one", failedOut);
        Assert.Contains("missing (expected, not found)", failedOut);
        Assert.Equal("0 passed, 1 failed", failedOut.TrimEnd('\n').Split('\n')[^1]);

        var (jsonCode, json, _) = RunWithFake(false, warehouse, "--filter", "*closes the current version*", "--format", "json");
        Assert.Equal(1, jsonCode);
        var root = System.Text.Json.JsonDocument.Parse(json).RootElement;
        Assert.Equal(1, root.GetProperty("summary").GetProperty("failed").GetInt32());

        var output = Path.Combine(Path.GetTempPath(), "etlagent-junit-" + Guid.NewGuid().ToString("N")[..8] + ".xml");
        try
        {
            var (junitCode, junitOut, _) = RunWithFake(true, warehouse, "--filter", "Dim.LoadCustomer › first load*", "--format", "junit", "--output", output);
            Assert.Equal(0, junitCode);
            Assert.Equal("1 passed, 0 failed", junitOut.Trim());
            var doc = System.Xml.Linq.XDocument.Load(output);
            Assert.Equal("1", doc.Root!.Attribute("tests")!.Value);
            Assert.Equal("0", doc.Root.Attribute("failures")!.Value);
        }
        finally { File.Delete(output); }
    }

    /// <summary>An unloadable file the filter leaves out does not stop the tests the filter selects.</summary>
    [WithoutSqlServerFact]
    public void A_broken_test_file_outside_the_filter_does_not_matter()
    {
        var good = File.ReadAllText(Path.Combine(TestPaths.Fixture("warehouse"), "tests", "etl", "Dim.LoadCustomer.etltest.yaml"));
        var root = Workspace(("tests/etl/Dim.LoadCustomer.etltest.yaml", good),
            ("tests/broken.etltest.yaml", "transformation: Fact.LoadSale\ncases:\n  - name: broken\n    given:\n      Nope.Table: []\n"),
            ("tests/not-yaml.etltest.yaml", "transformation: [unclosed\n"));
        try
        {
            var (code, output, err) = Run("test", root, "--filter", "Dim.LoadCustomer*");
            Assert.True(code == 0, output + err);
            Assert.EndsWith(" passed, 0 failed", output.TrimEnd());
            Assert.DoesNotContain("broken", output + err);

            // without a filter, or with one that selects them, the broken files stop the run as before
            Assert.Equal(2, Run("test", root).Code);
            var selected = Run("test", root, "--filter", "Fact.LoadSale");
            Assert.Equal(2, selected.Code);
            Assert.Contains("tests/broken.etltest.yaml:5:7: error: unknown table 'Nope.Table'", selected.Err);
            Assert.DoesNotContain("not-yaml", selected.Err);
            Assert.Contains("tests/not-yaml.etltest.yaml:2:1: error: not valid YAML", Run("test", root, "--filter", "tests/not-yaml*").Err);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void Globs_match_whole_names_case_insensitively()
    {
        var glob = new EtlAgent.Core.Sandbox.Runner.TestFilter("dim.load*");
        Assert.True(glob.IsMatch("Dim.LoadCustomer"));
        Assert.False(glob.IsMatch("Fact.LoadSale"));
        Assert.True(new EtlAgent.Core.Sandbox.Runner.TestFilter("*SCD?").IsMatch("closes the current version SCD2"));
    }
}
