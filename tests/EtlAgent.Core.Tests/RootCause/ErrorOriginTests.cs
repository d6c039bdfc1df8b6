using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.RootCause;

/// <summary>An error raised by a statement that only copies the column it names points back at the statement that computed the value.</summary>
public class ErrorOriginTests
{
    private const string Tables = """
        CREATE TABLE dbo.Src (Id int NOT NULL, Name nvarchar(20) NULL);
        CREATE TABLE dbo.Dst (Id int NOT NULL, Name nvarchar(20) NOT NULL);
        """;

    private const string Test = """
        transformation: dbo.Load
        cases:
          - name: a blank name becomes Unknown
            given:
              dbo.Src:
                - {Id: 1, Name: " "}
            expect:
              dbo.Dst:
                rows:
                  - {Id: 1, Name: Unknown}
        """;

    private static Engine Workspace(string procedure) => Engine.Create(
        new MemoryFileSource().Add("tables.sql", Tables).Add("load.sql", procedure).Add("tests/etl/dbo.Load.etltest.yaml", Test),
        WorkspaceSettings.Default, new EngineHost(new SystemClock(), EnvironmentVariables.None));

    [Fact]
    public async Task A_NULL_copied_into_a_NOT_NULL_column_is_traced_to_the_statement_that_computed_it()
    {
        // the fallback to 'Unknown' is missing from the staging statement; the INSERT that copies the name raises 515
        const string faulty = """
            CREATE PROCEDURE dbo.Load AS
            BEGIN
                SELECT s.Id, NULLIF(LTRIM(RTRIM(s.Name)), N'') AS Name INTO #Stage FROM dbo.Src AS s;
                INSERT INTO dbo.Dst (Id, Name) SELECT Id, Name FROM #Stage;
            END;
            """;
        // no time for the edit search: the error's own evidence is what this rule ranks by (with time, a restored fallback
        // names the same statement: NoBaseLocalisationTests)
        var (_, report) = await Workspace(faulty).AnalyzeFailuresAsync("dbo.Load", null, null, new RootCauseOptions { MutationBudget = TimeSpan.Zero });
        var f = Assert.Single(report.Failures);
        Assert.Equal("error", f.Evidence);
        Assert.Equal(3, f.RootCause!.Line);
        Assert.Equal(4, f.Candidates[0].Line);
        Assert.Contains("only copies the column the error names", f.Explanation);
    }

    [Fact]
    public async Task An_error_in_a_statement_that_computes_the_column_stays_there()
    {
        const string faulty = """
            CREATE PROCEDURE dbo.Load AS
            BEGIN
                SELECT s.Id, s.Name INTO #Stage FROM dbo.Src AS s;
                INSERT INTO dbo.Dst (Id, Name) SELECT Id, NULLIF(LTRIM(RTRIM(Name)), N'') FROM #Stage;
            END;
            """;
        var (_, report) = await Workspace(faulty).AnalyzeFailuresAsync("dbo.Load", null, null, new RootCauseOptions { MutationBudget = TimeSpan.FromMinutes(3) });
        var f = Assert.Single(report.Failures);
        Assert.Equal(4, f.RootCause!.Line);
    }
}
