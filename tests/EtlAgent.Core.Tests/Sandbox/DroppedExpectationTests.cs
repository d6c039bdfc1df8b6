using EtlAgent.Core.Agent;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Tests.Generation;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Sandbox;

/// <summary>
/// `dropped:` in a case's expectations: tables the call must have dropped (tests/fixtures/generation-kills
/// Batch.PublishLevy drops the staging table Import.Levy, defined nowhere, once it is loaded).
/// </summary>
public class DroppedExpectationTests
{
    private static async Task<WorkspaceTestRun> RunAsync(string expect)
    {
        var files = FixtureGeneration.Load("generation-kills");
        files.Add("tests/etl/Batch.PublishLevy.etltest.yaml", $$"""
            transformation: Batch.PublishLevy
            cases:
              - name: the staged levy is published
                given:
                  Import.Levy:
                    - {Submission: 7, Scheme: A1, Amount: 12.5}
                expect:
                  Batch.Levy:
                    columns: [Submission, Scheme, Amount, Action]
                    rows:
                      - {Submission: 7, Scheme: A1, Amount: 12.5, Action: Insert}
            {{expect}}
            """);
        return await Engine.Create(files, WorkspaceSettings.Load(files), EngineHost.System).RunTestsAsync("Batch.PublishLevy");
    }

    [Fact]
    public async Task A_table_the_call_dropped_passes_and_one_it_kept_fails_with_its_name()
    {
        var dropped = await RunAsync("      dropped: [Import.Levy]");
        Assert.Empty(dropped.FileErrors);
        Assert.Equal(TestOutcome.Passed, Assert.Single(dropped.Run!.Cases).Outcome);

        var kept = await RunAsync("      dropped: [Batch.Job]");
        Assert.Empty(kept.FileErrors);
        var failure = Assert.Single(Assert.Single(kept.Run!.Cases).Failures);
        Assert.Equal("Batch.Job: expected the call to drop it, but it still exists", failure.Summary);
    }

    [Fact]
    public async Task An_unknown_table_or_one_expected_both_dropped_and_with_rows_is_a_load_error()
    {
        var unknown = await RunAsync("      dropped: [Import.Levies]");
        Assert.Contains(unknown.FileErrors, e => e.Message.Contains("Import.Levies", StringComparison.Ordinal));
        var both = await RunAsync("      dropped: [Batch.Levy]");
        Assert.Contains(both.FileErrors, e => e.Message.Contains("both dropped and with rows", StringComparison.Ordinal));
    }
}
