using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.RootCause;

/// <summary>
/// A statement present in the last green version and missing now (tests/fixtures/root-cause/deleted-statement):
/// named at the place it stood — the statement that now follows it, or the procedure's end — with
/// the base's text of it in the explanation.
/// </summary>
public class DeletedStatementTests
{
    private static readonly string Dir = Path.Combine(TestPaths.Fixtures, "root-cause", "deleted-statement");

    internal static string Fixture(string name) => File.ReadAllText(Path.Combine(Dir, name)).Replace("\r\n", "\n");

    internal static MemoryFileSource Files(string procedure) => new MemoryFileSource()
        .Add("tables.sql", Fixture("tables.sql")).Add("load.sql", Fixture(procedure)).Add("tests/etl/dbo.Load.etltest.yaml", Fixture("dbo.Load.etltest.yaml"));

    private static async Task<FailureAnalysis> AnalyseAsync(string procedure)
    {
        var engine = Engine.Create(Files(procedure), WorkspaceSettings.Default, new EngineHost(new SystemClock(), EnvironmentVariables.None));
        var history = new MemoryFileHistory().Add("green", "load.sql", Fixture("green.sql")).Add("green", WorkspaceSettings.ManifestFile, "{}");
        var (_, report) = await engine.AnalyzeFailuresAsync("dbo.Load", history, "green");
        return Assert.Single(report.Failures);
    }

    [Fact]
    public async Task A_statement_deleted_in_the_middle_is_named_before_the_statement_that_now_follows_it()
    {
        var f = await AnalyseAsync("deleted-middle.sql");
        Assert.Equal("differential", f.Evidence);
        // line 5 is now the UPDATE that doubles the amount: the deleted UPDATE stood just before it
        Assert.Equal(5, f.RootCause!.Line);
        Assert.Equal(RootCauseAnalyzer.DeletedBefore, f.RootCause.Edit!.Operator);
        Assert.Contains("Region", f.RootCause.Columns);
        Assert.Contains("a statement deleted since the last green version, which stood just before the UPDATE statement at line 5", f.Explanation);
        Assert.Contains("The deleted statement was 'UPDATE dbo.Dst SET Region = N'unknown' WHERE Region IS NULL;'", f.Explanation);
        Assert.Contains("Compared with git green.", f.Explanation);
        Assert.Equal(AnalysisBase.GitKind, f.Base.Kind);
    }

    [Fact]
    public async Task The_last_statement_deleted_is_named_at_the_procedures_end()
    {
        var f = await AnalyseAsync("deleted-end.sql");
        Assert.Equal("differential", f.Evidence);
        // line 6 is the END that closes the body now
        Assert.Equal(6, f.RootCause!.Line);
        Assert.StartsWith("END", f.RootCause.Statement);
        Assert.Equal(RootCauseAnalyzer.DeletedAtEnd, f.RootCause.Edit!.Operator);
        Assert.Contains("Amount", f.RootCause.Columns);
        Assert.Contains("which stood at the end of the procedure (line 6)", f.Explanation);
        Assert.Contains("The deleted statement was 'UPDATE d SET d.Amount = d.Amount * 2 FROM dbo.Dst AS d;'", f.Explanation);
    }
}
