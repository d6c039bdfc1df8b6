using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Governance;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Governance;

/// <summary>The policy enforced in the engine (not in a door), and every change or refusal in the trail.</summary>
public class PolicyEnforcementTests
{
    private sealed class FixedClock(DateTime now) : IClock
    {
        public DateTime UtcNow => now;
        public DateTime Today => now.Date;
    }

    private static readonly DateTime Now = new(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);

    private static (Engine Engine, InMemoryAuditLog Audit) Open(MemoryFileSource files, params (string Name, string Value)[] variables)
    {
        var audit = new InMemoryAuditLog();
        var host = new EngineHost(new FixedClock(Now), new EnvironmentVariables(n => variables.FirstOrDefault(v => v.Name == n).Value))
        {
            Actor = "ci",
            Audit = audit,
        };
        return (Engine.Create(files, WorkspaceSettings.Load(files), host), audit);
    }

    private static MemoryFileSource FullRunFixture(string? manifest) =>
        manifest is null
            ? new MemoryFileSource().AddAll(new PhysicalFileSource(TestPaths.Fixture("full-run")))
            : new MemoryFileSource().AddAll(new PhysicalFileSource(TestPaths.Fixture("full-run"))).Add(WorkspaceSettings.ManifestFile, manifest);

    [Fact]
    public async Task Every_file_a_run_writes_is_in_the_trail_with_time_actor_and_reason()
    {
        var files = FullRunFixture(null);
        var (engine, audit) = Open(files);
        var result = await engine.FullRun(files, new FullRunOptions { GenerationBudget = TimeSpan.FromSeconds(60) }).RunAsync();

        var written = audit.Entries.Where(e => e.Action == AuditActions.FileWritten).ToList();
        Assert.Equal(result.Reports.Concat(result.Generated.Where(g => g.Written).Select(g => g.Path!)).Order(), written.Select(e => e.Target).Order());
        Assert.All(written, e => { Assert.Equal("ci", e.Actor); Assert.Equal(Now, e.Time.UtcDateTime); });
        Assert.Contains(written, e => e.Target.EndsWith(".etltest.yaml") && e.Reason.StartsWith("generated tests"));
        Assert.Contains(written, e => e.Target == FullRunResult.SarifFile && e.Reason == "run report");
    }

    [Fact]
    public async Task No_generated_test_is_written_when_the_policy_says_so_and_the_run_says_why()
    {
        var files = FullRunFixture("""{"policy": {"writeGeneratedTests": false}}""");
        var (engine, audit) = Open(files);
        var before = files.EnumerateFiles().ToHashSet();
        var result = await engine.FullRun(files, new FullRunOptions()).RunAsync();

        Assert.Empty(result.Generated);
        Assert.DoesNotContain(files.EnumerateFiles(), f => f.EndsWith(".etltest.yaml") && !before.Contains(f));
        var (name, reason) = Assert.Single(result.Untested, u => u.Transformation == "Etl.LoadNewCustomers");
        Assert.Contains("policy.writeGeneratedTests is false", reason);
        Assert.Contains("policy.writeGeneratedTests is false", FullRunReport.Text(result));
        var refusal = Assert.Single(audit.Entries, e => e.Action == AuditActions.PolicyRefusal);
        Assert.Equal("policy.writeGeneratedTests", refusal.Details!["policy"]);
        // the reports are still written (and recorded): they are not generated tests
        Assert.Equal(result.Reports.Count, audit.Entries.Count(e => e.Action == AuditActions.FileWritten));
    }

    [Fact]
    public async Task Generating_one_transformation_is_refused_before_any_work_when_the_policy_says_so()
    {
        var files = FullRunFixture("""{"policy": {"writeGeneratedTests": false}}""");
        var (engine, audit) = Open(files);
        var analysis = engine.CurrentAnalysis();
        var generator = engine.Generator(analysis, engine.Analyzer(), new GenerationOptions());
        var g = await engine.GenerateTestFileAsync(generator, "Etl.LoadNewCustomers", files, files, GeneratedTestFiles.DefaultDirectory, force: false);
        Assert.False(g.Written);
        Assert.Null(g.Result); // nothing ran
        Assert.Contains("policy.writeGeneratedTests is false", g.Skipped);
        Assert.Single(audit.Entries, e => e.Action == AuditActions.PolicyRefusal);
    }

    [Fact]
    public void The_governed_writer_refuses_a_test_file_but_writes_reports()
    {
        var files = new MemoryFileSource().Add(WorkspaceSettings.ManifestFile, """{"policy": {"writeGeneratedTests": false}}""");
        var (engine, audit) = Open(files);
        var writer = engine.Governance.Writer(files);
        var e = Assert.Throws<PolicyRefusedException>(() => writer.WriteAllText("tests/etl/X.etltest.yaml", "x"));
        Assert.IsAssignableFrom<IOException>(e);
        Assert.False(files.Exists("tests/etl/X.etltest.yaml"));
        writer.WriteAllText(".etl-agent/reports/junit.xml", "<testsuites/>");
        Assert.Equal(new[] { AuditActions.PolicyRefusal, AuditActions.FileWritten }, audit.Entries.Select(a => a.Action));
    }

    [Fact]
    public void The_SQL_Server_sandbox_is_refused_when_the_policy_does_not_allow_touching_SQL_Server()
    {
        var files = new MemoryFileSource().Add(WorkspaceSettings.ManifestFile, """{"policy": {"touchSqlServer": false}}""");
        var (engine, audit) = Open(files, ("ETLAGENT_SQLSERVER", "Server=db.example.com;Database=Sales_sandbox;User Id=etl;Password=Pa55word!"));
        var e = Assert.Throws<ConfigurationException>(() => engine.Sandboxes.Describe());
        Assert.Contains("policy.touchSqlServer is false", e.Message);
        Assert.Throws<ConfigurationException>(() => engine.Sandboxes.Describe());
        var refusal = Assert.Single(audit.Entries); // recorded once, however often it is asked
        Assert.Equal(AuditActions.PolicyRefusal, refusal.Action);
        Assert.Equal("policy.touchSqlServer", refusal.Details!["policy"]);
    }

    [Fact]
    public void A_production_guard_refusal_is_recorded_without_the_connection_string()
    {
        var files = new MemoryFileSource();
        var trail = new MemoryAppendOnlyFile();
        var host = new EngineHost(new FixedClock(Now), new EnvironmentVariables(n => n == "ETLAGENT_SQLSERVER" ? "Server=prod.example.com;Database=Sales;User Id=sa;Password=Pa55word!" : null))
        {
            Audit = new HashChainedAuditLog(trail),
        };
        var engine = Engine.Create(files, WorkspaceSettings.Load(files), host);
        var e = Assert.Throws<ConfigurationException>(() => engine.Sandboxes.Describe());
        Assert.Contains("not marked as a sandbox", e.Message);
        var line = Assert.Single(trail.ReadLines());
        Assert.Contains(AuditActions.ProductionGuardRefusal, line);
        Assert.Contains("\"target\":\"Sales\"", line);
        Assert.DoesNotContain("Pa55word", line);
        Assert.DoesNotContain("prod.example.com", line);
    }

    [Fact]
    public async Task The_wall_time_budget_stops_the_run_with_a_clear_message_and_an_audit_entry()
    {
        var files = FullRunFixture("""{"policy": {"budget": {"wallTimeSeconds": 0}}}""");
        var (engine, audit) = Open(files);
        var e = await Assert.ThrowsAsync<BudgetExhaustedException>(() => engine.FullRun(files, new FullRunOptions()).RunAsync());
        Assert.Contains("wall-time budget of 0 s", e.Message);
        Assert.Contains("policy.budget.wallTimeSeconds", e.Message);
        Assert.Contains("was stopped while", e.Message); // and names the step it was in
        var entry = Assert.Single(audit.Entries, a => a.Action == AuditActions.BudgetExhausted);
        Assert.Equal("full run", entry.Target);
        Assert.DoesNotContain(audit.Entries, a => a.Action == AuditActions.FileWritten); // stopped before anything was written
    }

    [Fact]
    public async Task A_cancelled_run_is_not_reported_as_a_spent_budget()
    {
        var files = FullRunFixture("""{"policy": {"budget": {"wallTimeSeconds": 600}}}""");
        var (engine, audit) = Open(files);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.FullRun(files, new FullRunOptions()).RunAsync(cancellationToken: cancel.Token));
        Assert.DoesNotContain(audit.Entries, a => a.Action == AuditActions.BudgetExhausted);
    }
}
