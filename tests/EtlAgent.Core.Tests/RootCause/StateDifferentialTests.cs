using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.RootCause;

/// <summary>
/// Statement-by-statement differential execution against the last green version: the probes that
/// read each written table after its statement, and the first statement after which a table's state
/// differs, with its columns, ranking first.
/// </summary>
public class StateDifferentialTests
{
    private const string Tables = """
        CREATE TABLE dbo.Src (Id int NOT NULL, Amount int NULL, Region nvarchar(10) NULL);
        CREATE TABLE dbo.Dst (Id int NOT NULL, Amount int NULL, Region nvarchar(10) NULL);
        """;

    // the staged amount is computed in a #temp table, copied to the target, then the region is fixed up in place
    private const string Green = """
        CREATE PROCEDURE dbo.Load AS
        BEGIN
            SELECT s.Id, s.Amount * 2 AS Amount, s.Region INTO #Stage FROM dbo.Src AS s WHERE s.Amount > 0;
            DELETE FROM dbo.Dst;
            IF EXISTS (SELECT 1 FROM #Stage)
                INSERT INTO dbo.Dst (Id, Amount, Region) SELECT Id, Amount, Region FROM #Stage;
            UPDATE d SET d.Region = UPPER(d.Region) FROM dbo.Dst AS d;
        END;
        """;

    private const string Test = """
        transformation: dbo.Load
        cases:
          - name: doubles the amount and upper-cases the region
            given:
              dbo.Src:
                - {Id: 1, Amount: 5, Region: north}
                - {Id: 2, Amount: 0, Region: south}
            expect:
              dbo.Dst:
                rows:
                  - {Id: 1, Amount: 10, Region: NORTH}
        """;

    private static Engine Workspace(string procedure) =>
        Engine.Create(Files(procedure), WorkspaceSettings.Default, new EngineHost(new SystemClock(), EnvironmentVariables.None));

    private static MemoryFileSource Files(string procedure) =>
        new MemoryFileSource().Add("tables.sql", Tables).Add("load.sql", procedure).Add("tests/etl/dbo.Load.etltest.yaml", Test);

    private static IReadOnlyList<IndexedStatement> Leaves(string procedure)
    {
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true }.Analyze(Files(procedure));
        return new StatementIndex(analysis.FindTransformation("dbo.Load")!).Statements.Where(s => !s.IsBlock).ToList();
    }

    [Fact]
    public void Every_statement_that_writes_a_table_is_probed_and_the_instrumented_text_still_parses()
    {
        var (text, probes) = StateProbe.Instrument(Green, Leaves(Green));
        // SELECT … INTO #Stage, DELETE, the INSERT in the IF's branch, the UPDATE through its alias
        Assert.Equal(new[] { "#Stage", "[dbo].[Dst]", "[dbo].[Dst]", "[dbo].[Dst]" }, probes.Select(p => Assert.Single(p.Tables)));
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true }
            .Analyze(new MemoryFileSource().Add("tables.sql", Tables).Add("load.sql", text));
        Assert.Empty(analysis.Documents.Single(d => d.Document.Path == "load.sql").Document.Errors);
        // the INSERT is still the IF's only branch: wrapped in BEGIN … END with its probe
        Assert.Contains("IF EXISTS (SELECT 1 FROM #Stage)\n        BEGIN INSERT INTO dbo.Dst", text.Replace("\r", ""));
    }

    [Fact]
    public void A_statement_followed_by_a_read_of_ROWCOUNT_is_not_probed()
    {
        var procedure = Green.Replace("    DELETE FROM dbo.Dst;\n", "    DELETE FROM dbo.Dst;\n    DECLARE @n int = @@ROWCOUNT;\n", StringComparison.Ordinal);
        var (_, probes) = StateProbe.Instrument(procedure, Leaves(procedure));
        Assert.Equal(3, probes.Count);
    }

    [Fact]
    public async Task The_first_statement_after_which_a_table_differs_ranks_first_with_its_columns()
    {
        // the fault is in the staging statement; the target only shows it two statements later
        var faulty = Green.Replace("s.Amount * 2 AS Amount", "s.Amount * 3 AS Amount", StringComparison.Ordinal);
        var engine = Workspace(faulty);
        var history = new MemoryFileHistory().Add("green", "load.sql", Green).Add("green", WorkspaceSettings.ManifestFile, "{}");
        var (_, report) = await engine.AnalyzeFailuresAsync("dbo.Load", history, "green");
        var f = Assert.Single(report.Failures);
        Assert.Equal("differential", f.Evidence);
        Assert.Equal(3, f.RootCause!.Line);
        Assert.Contains("Amount", f.RootCause.Columns);
        Assert.Contains("#Stage first differs from the last green version's after the statement at line 3 (column Amount)", f.Explanation);
    }

    [Fact]
    public async Task With_two_changes_the_one_whose_state_differs_first_ranks_first()
    {
        // two edits since the base: neither reverted alone makes the case pass, so reversion cannot tell them apart by itself
        var faulty = Green.Replace("s.Amount * 2 AS Amount", "s.Amount * 3 AS Amount", StringComparison.Ordinal)
            .Replace("UPPER(d.Region)", "LOWER(d.Region)", StringComparison.Ordinal);
        var engine = Workspace(faulty);
        var history = new MemoryFileHistory().Add("green", "load.sql", Green).Add("green", WorkspaceSettings.ManifestFile, "{}");
        var (_, report) = await engine.AnalyzeFailuresAsync("dbo.Load", history, "green");
        var f = Assert.Single(report.Failures);
        Assert.Equal(3, f.RootCause!.Line);
        Assert.Contains(f.Candidates, c => c.Line == 7);
    }

    [Fact]
    public async Task Without_a_base_the_columns_that_differ_after_the_statement_from_the_fixed_version_are_named()
    {
        // the edit names the source column (Id); the column it spoils is the #temp table's Doubled, copied to Amount later
        var faulty = Green.Replace("s.Amount * 2 AS Amount", "s.Amount * 2 + s.Id * 1 AS Doubled", StringComparison.Ordinal)
            .Replace("SELECT Id, Amount, Region FROM #Stage", "SELECT Id, Doubled, Region FROM #Stage", StringComparison.Ordinal);
        var engine = Workspace(faulty);
        var (_, report) = await engine.AnalyzeFailuresAsync("dbo.Load", null, null, new RootCauseOptions { MutationBudget = TimeSpan.FromMinutes(3) });
        var f = Assert.Single(report.Failures);
        Assert.Equal("mutation", f.Evidence);
        Assert.Equal(3, f.RootCause!.Line);
        Assert.Contains("Doubled", f.RootCause.Columns);
    }
}
