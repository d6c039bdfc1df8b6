using System.Text.Json;
using System.Xml.Linq;
using EtlAgent.Cli;
using EtlAgent.Core.Generation;

namespace EtlAgent.Cli.Tests;

/// <summary>`etl-agent run` (and generate's respect for reviewed files) in-process on a scratch copy of tests/fixtures/full-run.</summary>
public class RunCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Cli.Run(args);

    private static string Scratch()
    {
        var source = TestPaths.Fixture("full-run");
        var root = Path.Combine(Path.GetTempPath(), "etlagent-run-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(root, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return root;
    }

    private const string LastLine = @"(?m)^\d+ passed, \d+ failed · \d+ findings? \(\d+ errors, \d+ warnings, \d+ information\)\s*\z";

    [Fact]
    public void Run_prints_the_summary_writes_the_reports_and_exits_by_tests_and_fail_on()
    {
        var ws = Scratch();
        try
        {
            var (code, output, err) = Run("run", ws, "--no-generate");
            Assert.True(code == 0, output + err);
            Assert.Matches(LastLine, output);
            Assert.EndsWith("1 passed, 0 failed · 1 finding (0 errors, 1 warnings, 0 information)", output.TrimEnd());
            Assert.Contains("warning ETL0010", output);
            Assert.Contains("running 1 test case", err); // progress on stderr, not in the summary
            using var sarif = JsonDocument.Parse(File.ReadAllText(Path.Combine(ws, ".etl-agent", "reports", "etl-agent.sarif")));
            Assert.Equal(1, sarif.RootElement.GetProperty("runs")[0].GetProperty("results").GetArrayLength());
            Assert.Single(XDocument.Load(Path.Combine(ws, ".etl-agent", "reports", "junit.xml")).Descendants("testcase"));
            Assert.False(File.Exists(Path.Combine(ws, "tests", "etl", "Etl.LoadNewCustomers.etltest.yaml")));

            Assert.Equal(1, Run("run", ws, "--no-generate", "--fail-on", "warning").Code);

            var test = Path.Combine(ws, "tests", "etl", "Etl.CloseCustomers.etltest.yaml");
            File.WriteAllText(test, File.ReadAllText(test).Replace("\"C-2\", \"Is Current\": false", "\"C-2\", \"Is Current\": true"));
            var failed = Run("run", ws, "--no-generate", "--fail-on", "never");
            Assert.Equal(1, failed.Code);
            Assert.Contains("FAIL  Etl.CloseCustomers", failed.Out);
            Assert.Matches(@"(?m)^0 passed, 1 failed · ", failed.Out);
        }
        finally { Directory.Delete(ws, recursive: true); }
    }

    [Fact]
    public void Run_usage_errors_exit_2()
    {
        Assert.Equal(2, Run("run", TestPaths.Fixture("full-run"), "--budget", "soon").Code);
        Assert.Equal(2, Run("run", TestPaths.Fixture("full-run"), "--fail-on", "sometimes").Code);
        Assert.Equal(2, Run("run", "/no/such/workspace").Code);
        var (code, help, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("etl-agent run <workspace>", help);
        Assert.Contains(".etl-agent/reports/etl-agent.sarif", help);
        Assert.Contains(".etl-agent/reports/junit.xml", help);
    }

    [Fact]
    public void Generate_treats_an_accepted_file_as_hand_owned_and_run_generates_only_where_tests_are_missing()
    {
        var ws = Scratch();
        try
        {
            var generated = Path.Combine(ws, "tests", "etl", "Etl.LoadNewCustomers.etltest.yaml");
            var (code, output, err) = Run("generate", ws, "--transformation", "Etl.LoadNewCustomers", "--no-mutants");
            Assert.True(code == 0, output + err);
            // progress on stderr, a line per phase: the candidate inputs, then the self-check
            Assert.Matches(@"(?m)^Etl\.LoadNewCustomers: candidate inputs: 0 of \d+\r?$", err);
            Assert.Matches(@"(?m)^Etl\.LoadNewCustomers: checking the \d+ cases as written\r?$", err);
            Assert.DoesNotContain("orchestrator", err);
            var recorded = File.ReadAllText(generated);
            Assert.True(GeneratedTestFiles.IsRecorded(recorded));

            var accepted = GeneratedTestFiles.Accept(recorded)!;
            File.WriteAllText(generated, accepted);
            (code, output, err) = Run("generate", ws, "--transformation", "Etl.LoadNewCustomers", "--no-mutants");
            Assert.True(code == 0, output + err);
            Assert.Contains("WROTE tests/etl/Etl.LoadNewCustomers.generated.etltest.yaml", output);
            Assert.Equal(accepted, File.ReadAllText(generated)); // the reviewed file is untouched

            // both files of the transformation exist now: the full run generates nothing and runs them all
            (code, output, err) = Run("run", ws);
            Assert.True(code == 0, output + err);
            Assert.DoesNotContain("Generated tests", output);
        }
        finally { Directory.Delete(ws, recursive: true); }
    }
}
