using System.Diagnostics;
using EtlAgent.Cli;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Governance;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;

namespace EtlAgent.Cli.Tests;

/// <summary>`etl-agent audit verify` and the durable trail the CLI's verbs write.</summary>
public class AuditCommandTests
{
    private static string Trail(string dir) => Path.Combine(dir, ".etl-agent", "audit.jsonl");

    /// <summary>A workspace with one table and one procedure and no test: `run --no-generate` only writes its reports.</summary>
    private static string Workspace()
    {
        var dir = Directory.CreateTempSubdirectory("etl-agent-audit-cli-").FullName;
        File.WriteAllText(Path.Combine(dir, "t.sql"), "CREATE TABLE dbo.T (a int NOT NULL);\nGO\nCREATE PROCEDURE dbo.P AS INSERT INTO dbo.T (a) VALUES (1);\n");
        return dir;
    }

    [Fact]
    public void A_run_leaves_a_trail_that_verifies_and_verify_names_an_edited_deleted_or_reordered_entry()
    {
        var dir = Workspace();
        try
        {
            var (code, _, err) = Cli.Run("run", dir, "--no-generate");
            Assert.True(code == CliApp.ExitOk, err);
            Cli.Run("run", dir, "--no-generate");
            var lines = File.ReadAllLines(Trail(dir));
            Assert.True(lines.Length >= 4, string.Join("\n", lines));
            Assert.All(lines, l => Assert.Contains($"\"action\":\"{AuditActions.FileWritten}\"", l));
            Assert.Contains(lines, l => l.Contains("\"target\":\".etl-agent/reports/junit.xml\""));

            var (ok, output, _) = Cli.Run("audit", "verify", dir);
            Assert.Equal(CliApp.ExitOk, ok);
            Assert.Contains($"the chain holds: {lines.Length} entries", output);

            void Expect(string[] tampered, int line, string why)
            {
                File.WriteAllLines(Trail(dir), tampered);
                var (c, o, _) = Cli.Run("audit", "verify", dir);
                Assert.Equal(CliApp.ExitFindings, c);
                Assert.Contains($".etl-agent/audit.jsonl:{line}: the chain is broken at entry {line}", o);
                Assert.Contains(why, o);
            }
            Expect(lines.Select((l, i) => i == 1 ? l.Replace("run report", "nothing to see") : l).ToArray(), 2, "was edited");
            Expect(lines.Where((_, i) => i != 2).ToArray(), 3, "was deleted");
            Expect(new[] { lines[0], lines[2], lines[1] }.Concat(lines.Skip(3)).ToArray(), 2, "reordered");

            var (json, jsonOut, _) = Cli.Run("audit", "verify", dir, "--format", "json");
            Assert.Equal(CliApp.ExitFindings, json);
            Assert.Contains("\"brokenLine\": 2", jsonOut);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Verify_without_a_trail_holds_and_bad_arguments_are_usage_errors()
    {
        var dir = Workspace();
        try
        {
            var (code, output, _) = Cli.Run("audit", "verify", dir);
            Assert.Equal(CliApp.ExitOk, code);
            Assert.Contains("the chain holds: 0 entries", output);
            Assert.Equal(CliApp.ExitUsage, Cli.Run("audit", dir).Code);
            Assert.Equal(CliApp.ExitUsage, Cli.Run("audit", "verify", Path.Combine(dir, "missing")).Code);
            Assert.Contains("audit verify", Cli.Run("audit", "--help").Out);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void The_actor_is_ci_when_the_environment_says_so()
    {
        var dir = Workspace();
        try
        {
            var ci = EngineHost.ForWorkspace(dir, "cli", environment: new EnvironmentVariables(n => n == "CI" ? "true" : null));
            var cli = EngineHost.ForWorkspace(dir, "cli", environment: EnvironmentVariables.None);
            var editor = EngineHost.ForWorkspace(dir, "editor", environment: EnvironmentVariables.None);
            // a person in an editor stays "editor" on a machine that sets CI (a dev container, a CI-run editor test)
            var editorOnCi = EngineHost.ForWorkspace(dir, "editor", environment: new EnvironmentVariables(n => n == "CI" ? "true" : null));
            Assert.Equal(("ci", "cli", "editor", "editor"), (ci.Actor, cli.Actor, editor.Actor, editorOnCi.Actor));
            Assert.IsType<HashChainedAuditLog>(ci.Audit);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_spent_wall_time_budget_stops_run_and_test_with_a_clear_message_in_the_trail()
    {
        var dir = Workspace();
        try
        {
            File.WriteAllText(Path.Combine(dir, "etl-agent.json"), "{\"policy\": {\"budget\": {\"wallTimeSeconds\": 0}}}");
            Directory.CreateDirectory(Path.Combine(dir, "tests"));
            File.WriteAllText(Path.Combine(dir, "tests", "P.etltest.yaml"), "transformation: dbo.P\ncases:\n  - name: inserts one row\n    expect:\n      dbo.T: [{\"a\": 1}]\n");
            foreach (var verb in new[] { "run", "test" })
            {
                var (code, _, err) = Cli.Run(verb, dir);
                Assert.Equal(CliApp.ExitFindings, code);
                Assert.Contains("etl-agent: budget: the", err);
                Assert.Contains("wall-time budget of 0 s (policy.budget.wallTimeSeconds in etl-agent.json) was spent", err);
            }
            var lines = File.ReadAllLines(Trail(dir));
            Assert.Equal(2, lines.Count(l => l.Contains($"\"action\":\"{AuditActions.BudgetExhausted}\"")));
            Assert.Contains(lines, l => l.Contains("\"target\":\"test run\""));
            Assert.Equal(CliApp.ExitOk, Cli.Run("audit", "verify", dir).Code);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Two_processes_running_at_once_keep_one_valid_chain()
    {
        var dir = Workspace();
        try
        {
            var cli = typeof(CliApp).Assembly.Location;
            const int runsPerProcess = 4;
            // each process runs `run --no-generate` several times in a shell loop, so their appends interleave
            Process Start() => Process.Start(new ProcessStartInfo("bash",
                new[] { "-c", $"for i in $(seq {runsPerProcess}); do dotnet \"$0\" run \"$1\" --no-generate > /dev/null 2>&1 || exit 1; done", cli, dir })
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
            using var a = Start();
            using var b = Start();
            Assert.True(a.WaitForExit(TimeSpan.FromMinutes(4)) && b.WaitForExit(TimeSpan.FromMinutes(4)), "the runs did not finish");
            Assert.Equal((0, 0), (a.ExitCode, b.ExitCode));
            var verification = HashChainedAuditLog.ForWorkspace(dir).Verify();
            Assert.True(verification.Holds, verification.Text);
            // every run wrote its reports, and every write is in the one chain
            int perRun = File.ReadAllLines(Trail(dir)).Length / (2 * runsPerProcess);
            Assert.True(perRun >= 2, $"{verification.Entries} entries");
            Assert.Equal(2 * runsPerProcess * perRun, verification.Entries);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
