using EtlAgent.Core.MutationAnalysis;
using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Sandbox.Tests;

/// <summary>A mutant that never ends times out after a few times the original's run, not after the case timeout.</summary>
public sealed class MutantTimeoutTests
{
    [Theory]
    [InlineData(100, 60, 2.5)]     // 5 × 0.1 s + 2 s
    [InlineData(2_000, 60, 12)]
    [InlineData(30_000, 60, 60)]   // never more than the case timeout
    public void The_timeout_is_five_times_the_original_plus_two_seconds_at_most_the_case_timeout(int originalMs, int capSeconds, double expectedSeconds) =>
        Assert.Equal(expectedSeconds, MutantTimeout.For(TimeSpan.FromMilliseconds(originalMs), TimeSpan.FromSeconds(capSeconds)).TotalSeconds, 3);

    [Fact]
    public async Task A_loop_whose_step_is_deleted_times_out_long_before_the_case_timeout()
    {
        var files = new MemoryFileSource(new Dictionary<string, string>
        {
            ["Tables/Calendar.sql"] = "CREATE TABLE dbo.Calendar ([Day] date NOT NULL PRIMARY KEY);",
            ["Procedures/Fill.sql"] = """
                CREATE PROCEDURE dbo.Fill @From date, @To date
                AS
                BEGIN
                    DECLARE @Day date = @From;
                    WHILE @Day <= @To
                    BEGIN
                        INSERT INTO dbo.Calendar ([Day]) VALUES (@Day);
                        SET @Day = DATEADD(DAY, 1, @Day);
                    END
                END
                """,
        });
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true, MaxDegreeOfParallelism = 1 };
        var analysis = analyzer.Analyze(files);
        var loaded = new TestFileLoader(analysis).Load("tests/etl/dbo.Fill.etltest.yaml", """
            transformation: dbo.Fill
            cases:
              - name: three days
                call: {"@From": "2016-01-30", "@To": "2016-02-01"}
                expect:
                  dbo.Calendar:
                    rows:
                      - {"Day": "2016-01-30"}
                      - {"Day": "2016-01-31"}
                      - {"Day": "2016-02-01"}
            """);
        Assert.True(loaded.Success, string.Join("; ", loaded.Errors));
        var caseTimeout = TimeSpan.FromSeconds(60);
        var runner = new MutationRunner(analysis, analyzer, s => new DuckDbSandboxFactory(s)) { CaseTimeout = caseTimeout, Parallelism = 1 };

        var report = await runner.RunAsync("dbo.Fill", new[] { loaded.File! });

        var stepDeleted = Assert.Single(report.Results, r => r.Mutant.Operator == "statement deleted" && r.Mutant.Original.StartsWith("SET @Day", StringComparison.Ordinal));
        Assert.Equal(MutantStatus.TimedOut, stepDeleted.Status);
        var stepZero = Assert.Single(report.Results, r => r.Mutant.Original == "1" && r.Mutant.Mutated == "0" && r.Mutant.Line == 8);
        Assert.Equal(MutantStatus.TimedOut, stepZero.Status);
        // two never-ending mutants, each stopped after seconds: with the case timeout they would take two minutes
        Assert.True(report.Elapsed < caseTimeout, $"took {report.Elapsed}");
    }
}
