using System.Text.Json;
using EtlAgent.Core.Memory;

namespace EtlAgent.Cli.Tests;

/// <summary>
/// `etl-agent dismiss` on a scratch copy of tests/fixtures/memory (its one warning: ETL0010, NOLOCK
/// at procs/LoadNewCustomers.sql:9): dismissing by RULE:FILE:LINE or fingerprint hides the finding
/// from `check` and `run`, `--list` shows it, `--undo` brings it back, and each step is in the
/// hash-chained audit trail, which still verifies.
/// </summary>
public sealed class DismissCommandTests : IDisposable
{
    private readonly string _ws = Scratch();

    private static string Scratch()
    {
        var source = TestPaths.Fixture("memory");
        var root = Path.Combine(Path.GetTempPath(), "etlagent-dismiss-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(root, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return root;
    }

    private const string Nolock = "ETL0010:procs/LoadNewCustomers.sql:9";

    [Fact]
    public void Dismissing_by_rule_file_and_line_hides_the_finding_from_check_and_run_until_undone_and_is_audited()
    {
        var before = Cli.Run("check", _ws, "--fail-on", "warning");
        Assert.Equal(1, before.Code);
        Assert.Contains("procs/LoadNewCustomers.sql:9", before.Out);

        var dismiss = Cli.Run("dismiss", _ws, Nolock, "--reason", "staging is loaded before the job runs", "--until", "2999-01-01");
        Assert.True(dismiss.Code == 0, dismiss.Out + dismiss.Err);
        Assert.Matches(@"Dismissed ETL0010 in procs/LoadNewCustomers\.sql \([0-9a-f]{32}\): staging is loaded before the job runs until 2999-01-01", dismiss.Out);

        var check = Cli.Run("check", _ws, "--fail-on", "warning");
        Assert.Equal(0, check.Code);
        Assert.DoesNotContain("ETL0010", check.Out);
        Assert.Contains("1 dismissed finding not shown", check.Out);
        var run = Cli.Run("run", _ws, "--no-generate", "--fail-on", "warning");
        Assert.True(run.Code == 0, run.Out + run.Err);
        Assert.Contains("1 dismissed finding not shown", run.Out);

        var list = JsonDocument.Parse(Cli.Run("dismiss", _ws, "--list", "--format", "json").Out).RootElement.GetProperty("dismissed");
        var entry = Assert.Single(list.EnumerateArray());
        Assert.Equal(("ETL0010", "procs/LoadNewCustomers.sql", "staging is loaded before the job runs", true),
            (entry.GetProperty("ruleId").GetString(), entry.GetProperty("file").GetString(), entry.GetProperty("reason").GetString(), entry.GetProperty("active").GetBoolean()));
        var fingerprint = entry.GetProperty("fingerprint").GetString()!;
        Assert.Contains(fingerprint, Cli.Run("dismiss", _ws, "--list").Out);

        // the fingerprint the CLI stored is the one the run records (and SARIF reports, below)
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using (var store = new SqliteMemoryStore(Path.Combine(_ws, ".etl-agent", "memory.db")))
            Assert.Equal(FindingState.Dismissed, store.Findings()[fingerprint].State);
        Assert.DoesNotContain(fingerprint, Cli.Run("check", _ws, "--format", "sarif").Out);

        var undo = Cli.Run("dismiss", _ws, fingerprint, "--undo");
        Assert.True(undo.Code == 0, undo.Out + undo.Err);
        Assert.Contains("is shown again", undo.Out);
        Assert.Equal(1, Cli.Run("check", _ws, "--fail-on", "warning").Code);
        Assert.Contains(fingerprint, Cli.Run("check", _ws, "--format", "sarif").Out);
        Assert.Contains("No finding is dismissed", Cli.Run("dismiss", _ws, "--list").Out);
        Assert.Equal(2, Cli.Run("dismiss", _ws, fingerprint, "--undo").Code); // not dismissed any more

        var audit = File.ReadAllLines(Path.Combine(_ws, ".etl-agent", "audit.jsonl"));
        Assert.Contains(audit, l => l.Contains("\"finding-dismissed\"") && l.Contains(fingerprint) && l.Contains("staging is loaded before the job runs"));
        Assert.Contains(audit, l => l.Contains("\"dismissal-undone\"") && l.Contains(fingerprint));
        Assert.Equal(0, Cli.Run("audit", "verify", _ws).Code);
    }

    [Fact]
    public void A_finding_that_is_not_there_or_a_missing_reason_is_a_clear_error()
    {
        var wrongLine = Cli.Run("dismiss", _ws, "ETL0010:procs/LoadNewCustomers.sql:3", "--reason", "x");
        Assert.Equal(2, wrongLine.Code);
        Assert.Contains("no ETL0010 finding starts at procs/LoadNewCustomers.sql:3", wrongLine.Err);
        var unknown = Cli.Run("dismiss", _ws, "0123456789abcdef", "--reason", "x");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("0123456789abcdef: no finding has this fingerprint", unknown.Err);
        var noReason = Cli.Run("dismiss", _ws, Nolock);
        Assert.Equal(2, noReason.Code);
        Assert.Contains("--reason TEXT is required", noReason.Err);
        var past = Cli.Run("dismiss", _ws, Nolock, "--reason", "x", "--until", "2001-01-01");
        Assert.Equal(2, past.Code);
        Assert.Contains("is not in the future", past.Err);
        Assert.False(File.Exists(Path.Combine(_ws, ".etl-agent", "memory.db")), "nothing was stored");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_ws, recursive: true); } catch (IOException) { }
    }
}
