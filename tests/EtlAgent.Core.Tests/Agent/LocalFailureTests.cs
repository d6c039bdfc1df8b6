using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Agent;

/// <summary>
/// Failures stay local (tests/fixtures/local-failures): a table the sandbox cannot build stops only
/// the procedures that use it, each refused with the file, line and construct; the others are
/// generated and pass; no message carries the engine's own text.
/// </summary>
public class LocalFailureTests
{
    /// <summary>One run for all the facts (each generation runs candidates and mutants).</summary>
    private static readonly Lazy<Task<(FullRunResult Result, string Text)>> Shared = new(RunOnceAsync);

    private static Task<(FullRunResult Result, string Text)> RunAsync() => Shared.Value;

    private static async Task<(FullRunResult Result, string Text)> RunOnceAsync()
    {
        var files = new MemoryFileSource().AddAll(new PhysicalFileSource(TestPaths.Fixture("local-failures")));
        var engine = Engine.Create(files, WorkspaceSettings.Load(files), new EngineHost(new SystemClock(), EnvironmentVariables.None));
        var run = new FullRun(files, files, new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true }, engine.Sandboxes,
            new FullRunOptions { GenerationBudget = TimeSpan.FromSeconds(90), MutationBudgetPerTransformation = TimeSpan.FromSeconds(10) });
        var result = await run.RunAsync();
        return (result, FullRunReport.Text(result));
    }

    [Fact]
    public async Task An_unsupported_default_in_an_unused_table_does_not_stop_other_procedures()
    {
        var (result, text) = await RunAsync();
        var copy = Assert.Single(result.Generated, g => g.Transformation == "dbo.LoadCustomerCopy");
        Assert.True(copy.Written, text);
        Assert.True(result.TestsPassed, text);
        Assert.Empty(result.Defects);
    }

    [Fact]
    public async Task A_procedure_that_uses_the_table_is_refused_at_the_column_with_the_construct()
    {
        var (result, text) = await RunAsync();
        var session = Assert.Single(result.Generated, g => g.Transformation == "dbo.OpenSession");
        Assert.False(session.Written, text);
        Assert.False(session.Failed, text);   // a refusal, not an error of the tool
        var note = Assert.Single(session.Result!.Notes, n => n.Contains("cannot run", StringComparison.Ordinal));
        Assert.Contains("tables/dbo.Session.sql:4:", note);
        Assert.Contains("BINARY_CHECKSUM is not supported by the sandbox", note);
        // the run's text gives the reason under the procedure
        Assert.Contains("tables/dbo.Session.sql:4:", text);
    }

    [Fact]
    public async Task A_foreign_key_to_columns_not_declared_as_a_key_implies_the_key_the_database_must_have()
    {
        // SQL Server refuses such a foreign key, so the key exists (declared where the workspace does not
        // show it); the sandbox builds it instead of refusing every procedure that touches the table
        var (result, text) = await RunAsync();
        var store = Assert.Single(result.Generated, g => g.Transformation == "dbo.AddStore");
        // the table is built and the procedure runs; its inputs may still stop at SQL Server's own
        // errors (no generated parent row yet: 547), which the generator reports as not testable
        Assert.True(store.Written || (store.Skipped ?? "").Contains("error 547"), text);
        Assert.DoesNotContain("not supported", store.Skipped ?? "");
        Assert.DoesNotContain("Binder Error", text);
        Assert.DoesNotContain("DuckDB", text);
    }

    [Fact]
    public async Task A_workspace_procedure_named_like_a_system_procedure_is_run()
    {
        var (result, text) = await RunAsync();
        var load = Assert.Single(result.Generated, g => g.Transformation == "dbo.LoadActiveCustomers");
        Assert.True(load.Written, text);
        Assert.DoesNotContain("system procedure", text);
    }

    [Fact]
    public async Task A_written_varbinary_column_is_recorded_as_bytes()
    {
        var (result, text) = await RunAsync();
        var load = Assert.Single(result.Generated, g => g.Transformation == "dbo.LoadCustomerHash");
        Assert.True(load.Written, text);
        Assert.Contains("\"RowHash\": \"0x", load.Result!.Text);
        Assert.DoesNotContain("Stream", load.Result.Text);
        Assert.True(result.TestsPassed, text);
    }
}
