using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.RootCause;

/// <summary>
/// Something deleted, without a last green version (tests/fixtures/root-cause/missing-statement):
/// no single edit of the remaining code turns the case green, so the place the missing statement or
/// assignment belonged is read from the data flow — inside the UPDATE that sets the rows' other
/// columns, before the first statement that relies on the values, or after the last statement the
/// case ran when nothing writes a table any more.
/// </summary>
public class MissingStatementTests
{
    private static readonly string Dir = Path.Combine(TestPaths.Fixtures, "root-cause", "missing-statement");

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(Dir, name)).Replace("\r\n", "\n");

    private static async Task<FailureAnalysis> AnalyseAsync(string procedure, string transformation)
    {
        var files = new MemoryFileSource().Add("tables.sql", Fixture("tables.sql")).Add("load.sql", Fixture(procedure))
            .Add($"tests/etl/{transformation}.etltest.yaml", Fixture($"{transformation}.etltest.yaml"));
        var engine = Engine.Create(files, WorkspaceSettings.Default, new EngineHost(new SystemClock(), EnvironmentVariables.None));
        var (run, report) = await engine.AnalyzeFailuresAsync(transformation, null, null, new RootCauseOptions { MutationBudget = TimeSpan.FromMinutes(3) });
        if (run.FileErrors.Count > 0) throw new InvalidOperationException(string.Join("\n", run.FileErrors.Select(e => e.ToString())));
        return Assert.Single(report.Failures);
    }

    [Fact]
    public async Task A_deleted_statement_whose_table_another_statement_still_writes_is_named_before_the_first_statement_that_relies_on_its_values()
    {
        var f = await AnalyseAsync("flag-unset.sql", "dbo.FlagOrphans");
        // the flag is first set (to 1, for orphans) at line 5: the statement that set it to 0 for the others stood before, after line 4
        Assert.Equal(4, f.RootCause!.Line);
        Assert.Contains("IsOrphan", f.RootCause.Columns);
        Assert.Contains("a statement that sets them is missing, most likely just after the statement at line 4", f.Explanation);
    }

    [Fact]
    public async Task A_SET_clause_dropped_from_an_UPDATE_that_still_sets_other_columns_is_named_at_that_UPDATE()
    {
        var f = await AnalyseAsync("set-clause-dropped.sql", "dbo.Load");
        Assert.Equal(3, f.RootCause!.Line);
        Assert.Equal(new[] { "Region" }, f.RootCause.Columns);
        Assert.Equal(BugClass.WrongValue, f.RootCause.Class);
        Assert.Contains("the UPDATE at line 3 sets other columns of the table but not these", f.Explanation);
    }

    [Fact]
    public async Task The_only_writer_deleted_is_named_after_the_last_statement_the_case_ran()
    {
        var f = await AnalyseAsync("only-writer-deleted.sql", "dbo.Store");
        // the IF ran (its condition was false), the RETURN did not: the INSERT belonged after the IF
        Assert.Equal(4, f.RootCause!.Line);
        Assert.Equal(BugClass.RowsLostOrAdded, f.RootCause.Class);
        Assert.Contains("no statement the case ran writes any table: most likely just after the statement at line 4", f.Explanation);
    }
}
