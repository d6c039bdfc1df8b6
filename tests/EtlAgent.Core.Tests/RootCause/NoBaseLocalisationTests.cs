using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.RootCause;

/// <summary>
/// Localisation without a last green version: the inverse edits (a fallback, a column by its
/// target's name, a join key by name, a conversion's length), the data flow between statements that
/// each fix the case, a table no statement writes and an expected error no statement raises. Each
/// case is one the project's injecting operators cannot undo with one edit, so without these rules
/// the analysis falls back to the lineage ranking (no edit, and here another statement or none).
/// </summary>
public class NoBaseLocalisationTests
{
    private const string Tables = """
        CREATE TABLE dbo.Src (Id int NOT NULL, Name nvarchar(20) NULL, Region nvarchar(20) NULL, City nvarchar(20) NULL, RegionCode nvarchar(10) NULL, CityCode nvarchar(10) NULL);
        CREATE TABLE dbo.Area (AreaCode nvarchar(10) NOT NULL, AreaName nvarchar(20) NOT NULL);
        CREATE TABLE dbo.Dst (Id int NOT NULL, Name nvarchar(20) NULL, Region nvarchar(20) NULL, City nvarchar(20) NULL, AreaName nvarchar(20) NULL);
        """;

    private static Engine Workspace(string procedure, string test) => Engine.Create(
        new MemoryFileSource().Add("tables.sql", Tables).Add("load.sql", procedure).Add("tests/etl/dbo.Load.etltest.yaml", test),
        WorkspaceSettings.Default, new EngineHost(new SystemClock(), EnvironmentVariables.None));

    private static async Task<FailureAnalysis> AnalyseAsync(string procedure, string test)
    {
        var (_, report) = await Workspace(procedure, test).AnalyzeFailuresAsync("dbo.Load", null, null,
            new RootCauseOptions { MutationBudget = TimeSpan.FromMinutes(3), Bases = null });
        return Assert.Single(report.Failures);
    }

    private const string RegionTest = """
        transformation: dbo.Load
        cases:
          - name: a region not given reads none
            given:
              dbo.Src:
                - {Id: 1, Name: a, Region: null}
                - {Id: 2, Name: b, Region: " north "}
            expect:
              dbo.Dst:
                rows:
                  - {Id: 1, Name: a, Region: none}
                  - {Id: 2, Name: b, Region: north}
        """;

    [Fact]
    public async Task A_dropped_fallback_is_restored_where_the_NULL_is_first_written_not_where_it_is_copied_later()
    {
        // the staging statement lost ISNULL(…, N'none'); the INSERT computes Region too (so lineage alone ranks it first)
        const string faulty = """
            CREATE PROCEDURE dbo.Load AS
            BEGIN
                SELECT s.Id, s.Name, LTRIM(RTRIM(s.Region)) AS Region INTO #Stage FROM dbo.Src AS s;
                INSERT INTO dbo.Dst (Id, Name, Region) SELECT Id, Name, LEFT(Region, 20) FROM #Stage;
            END;
            """;
        var f = await AnalyseAsync(faulty, RegionTest);
        Assert.Equal("mutation", f.Evidence);
        Assert.Equal(3, f.RootCause!.Line);
        Assert.Equal(InverseEdits.FallbackRestored, f.RootCause.Edit!.Operator);
        Assert.Equal("ISNULL(LTRIM(RTRIM(s.Region)), N'none')", f.RootCause.Edit.Replacement);
        Assert.Contains("Region", f.RootCause.Columns);
        // the INSERT's own fallback also turns the case green: it is the runner-up, not the cause
        Assert.Equal(4, f.Candidates[0].Line);
    }

    [Fact]
    public async Task A_NULL_into_a_NOT_NULL_column_takes_the_fallback_from_the_value_the_case_expects_that_no_given_row_holds()
    {
        const string tables = """
            CREATE TABLE dbo.Src (Id int NOT NULL, Name nvarchar(20) NULL);
            CREATE TABLE dbo.Dst (Id int NOT NULL, Name nvarchar(20) NOT NULL);
            """;
        const string test = """
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
        const string faulty = """
            CREATE PROCEDURE dbo.Load AS
            BEGIN
                SELECT s.Id, NULLIF(LTRIM(RTRIM(s.Name)), N'') AS Name INTO #Stage FROM dbo.Src AS s;
                INSERT INTO dbo.Dst (Id, Name) SELECT Id, Name FROM #Stage;
            END;
            """;
        var engine = Engine.Create(new MemoryFileSource().Add("tables.sql", tables).Add("load.sql", faulty).Add("tests/etl/dbo.Load.etltest.yaml", test),
            WorkspaceSettings.Default, new EngineHost(new SystemClock(), EnvironmentVariables.None));
        var (_, report) = await engine.AnalyzeFailuresAsync("dbo.Load", null, null, new RootCauseOptions { MutationBudget = TimeSpan.FromMinutes(3) });
        var f = Assert.Single(report.Failures);
        Assert.Equal("mutation", f.Evidence);
        Assert.Equal(3, f.RootCause!.Line);
        Assert.Equal("ISNULL(NULLIF(LTRIM(RTRIM(s.Name)), N''), N'Unknown')", f.RootCause.Edit!.Replacement);
    }

    [Fact]
    public async Task A_value_column_named_unlike_its_target_is_replaced_by_the_sources_column_of_the_targets_name()
    {
        const string faulty = """
            CREATE PROCEDURE dbo.Load AS
            BEGIN
                INSERT INTO dbo.Dst (Id, Name, Region) SELECT s.Id, s.Name, s.City FROM dbo.Src AS s;
            END;
            """;
        var f = await AnalyseAsync(faulty, RegionTest.Replace("Region: \" north \"", "Region: north, City: Oslo").Replace("Region: null", "Region: none"));
        Assert.Equal("mutation", f.Evidence);
        Assert.Equal(InverseEdits.ValueByTargetName, f.RootCause!.Edit!.Operator);
        Assert.Equal("s.Region", f.RootCause.Edit.Replacement);
        Assert.Contains("Region", f.RootCause.Columns);
        Assert.Equal(BugClass.WrongColumn, f.RootCause.Class);
    }

    [Fact]
    public async Task A_join_key_is_matched_to_the_other_sides_column_of_the_same_name()
    {
        // RegionCode is named nowhere in the code: only the catalog knows the source has it
        const string faulty = """
            CREATE PROCEDURE dbo.Load AS
            BEGIN
                INSERT INTO dbo.Dst (Id, AreaName)
                SELECT s.Id, a.AreaName FROM dbo.Src AS s LEFT JOIN dbo.Area AS a ON a.AreaCode = s.CityCode;
            END;
            """;
        const string test = """
            transformation: dbo.Load
            cases:
              - name: the area comes from the region code
                given:
                  dbo.Src:
                    - {Id: 1, RegionCode: R1, CityCode: C1}
                  dbo.Area:
                    - {AreaCode: R1, AreaName: North}
                    - {AreaCode: C1, AreaName: Town}
                    - {AreaCode: X9, AreaName: Else}
                expect:
                  dbo.Dst:
                    rows:
                      - {Id: 1, AreaName: North}
            """;
        var f = await AnalyseAsync(faulty, test);
        // AreaCode ≠ CityCode, and Src has no AreaCode: the closest name on the source side shares "Code"
        Assert.Equal("mutation", f.Evidence);
        Assert.Equal(InverseEdits.KeyByName, f.RootCause!.Edit!.Operator);
        Assert.Equal("s.RegionCode", f.RootCause.Edit.Replacement);
        Assert.Equal(BugClass.WrongJoinKey, f.RootCause.Class);
    }

    [Fact]
    public async Task A_conversion_shorter_than_the_target_column_is_widened_to_its_length()
    {
        const string faulty = """
            CREATE PROCEDURE dbo.Load AS
            BEGIN
                SELECT s.Id, s.Name, CONVERT(nvarchar(3), s.Region) AS Region INTO #Stage FROM dbo.Src AS s;
                INSERT INTO dbo.Dst (Id, Name, Region) SELECT Id, Name, Region FROM #Stage;
            END;
            """;
        var f = await AnalyseAsync(faulty, RegionTest.Replace("Region: null", "Region: none").Replace("\" north \"", "north"));
        Assert.Equal("mutation", f.Evidence);
        Assert.Equal(3, f.RootCause!.Line);
        Assert.Equal(InverseEdits.ConversionWidened, f.RootCause.Edit!.Operator);
        Assert.Equal("20", f.RootCause.Edit.Replacement);
        Assert.Equal(BugClass.TruncationOverflowConversion, f.RootCause.Class);
    }

    [Fact]
    public async Task A_table_no_statement_writes_is_named_where_the_data_flow_ends()
    {
        // the INSERT into dbo.Dst is gone: the staging statements run, nothing writes the table the case checks
        const string faulty = """
            CREATE PROCEDURE dbo.Load AS
            BEGIN
                SELECT s.Id, s.Name, s.Region INTO #Stage FROM dbo.Src AS s;
                UPDATE #Stage SET Region = N'none' WHERE Region IS NULL;
            END;
            """;
        var f = await AnalyseAsync(faulty, RegionTest.Replace("\" north \"", "north"));
        Assert.Equal(5, f.RootCause!.Line);
        Assert.StartsWith("END", f.RootCause.Statement);
        Assert.Contains("No statement of the procedure writes dbo.Dst", f.Explanation);

        var middle = await AnalyseAsync(faulty.Replace("IS NULL;\n", "IS NULL;\n    RETURN;\n"), RegionTest.Replace("\" north \"", "north"));
        Assert.Equal(5, middle.RootCause!.Line);
        Assert.StartsWith("RETURN", middle.RootCause.Statement);
    }

    [Fact]
    public async Task An_expected_error_no_statement_can_raise_is_named_after_the_declarations()
    {
        // the guard that raised 50001 for a missing region is gone; nothing left can raise it
        const string faulty = """
            CREATE PROCEDURE dbo.Load @Region nvarchar(20) AS
            BEGIN
                SET NOCOUNT ON;
                DECLARE @Loaded int = 0;
                INSERT INTO dbo.Dst (Id, Name, Region) SELECT s.Id, s.Name, @Region FROM dbo.Src AS s;
                SET @Loaded = @@ROWCOUNT;
            END;
            """;
        const string test = """
            transformation: dbo.Load
            cases:
              - name: a region is required
                given:
                  dbo.Src:
                    - {Id: 1, Name: a}
                call: {"@Region": null}
                expect:
                  error: {number: 50001}
            """;
        var f = await AnalyseAsync(faulty, test);
        Assert.Equal(5, f.RootCause!.Line);
        Assert.Contains("expects error 50001, which no statement of the procedure raises", f.Explanation);

        // a THROW of that number is still there (its condition is what is wrong): not a missing check
        var guarded = await AnalyseAsync(faulty.Replace("DECLARE @Loaded int = 0;", "DECLARE @Loaded int = 0;\n    IF @Region = N'' THROW 50001, N'region required', 1;"), test);
        Assert.DoesNotContain("no statement of the procedure raises", guarded.Explanation);
    }

    [Fact]
    public async Task A_later_lookup_that_compensates_for_a_code_an_earlier_statement_wrote_ranks_after_it()
    {
        const string tables = """
            CREATE TABLE dbo.Sale ([Id] int NOT NULL, [Customer Code] nvarchar(10) NULL, [Bill To Customer Code] nvarchar(10) NULL);
            CREATE TABLE dbo.Customer ([Customer Code] nvarchar(10) NOT NULL, [Customer Key] int NOT NULL);
            CREATE TABLE dbo.FactSale ([Id] int NOT NULL, [Bill To Customer Key] int NOT NULL);
            """;
        // the staging statement lost the fallback of the bill-to code to the customer's own code; joining the lookup
        // on the customer's code instead also turns this case green (a compensating edit of the later statement)
        const string faulty = """
            CREATE PROCEDURE dbo.Load AS
            BEGIN
                SELECT s.[Id], s.[Customer Code], s.[Bill To Customer Code] AS [Bill To Customer Code] INTO #Work FROM dbo.Sale AS s;
                INSERT INTO dbo.FactSale ([Id], [Bill To Customer Key]) SELECT w.[Id], ISNULL(c.[Customer Key], 0) FROM #Work AS w LEFT JOIN dbo.Customer AS c ON c.[Customer Code] = w.[Bill To Customer Code];
            END;
            """;
        const string test = """
            transformation: dbo.Load
            cases:
              - name: a sale without a bill-to customer bills the customer
                given:
                  dbo.Sale:
                    - {Id: 1, "Customer Code": C1, "Bill To Customer Code": null}
                    - {Id: 2, "Customer Code": C2, "Bill To Customer Code": C2}
                  dbo.Customer:
                    - {"Customer Code": C1, "Customer Key": 10}
                    - {"Customer Code": C2, "Customer Key": 20}
                expect:
                  dbo.FactSale:
                    rows:
                      - {Id: 1, "Bill To Customer Key": 10}
                      - {Id: 2, "Bill To Customer Key": 20}
            """;
        var engine = Engine.Create(new MemoryFileSource().Add("tables.sql", tables).Add("load.sql", faulty).Add("tests/etl/dbo.Load.etltest.yaml", test),
            WorkspaceSettings.Default, new EngineHost(new SystemClock(), EnvironmentVariables.None));
        var (_, report) = await engine.AnalyzeFailuresAsync("dbo.Load", null, null, new RootCauseOptions { MutationBudget = TimeSpan.FromMinutes(3) });
        var f = Assert.Single(report.Failures);
        Assert.Equal("mutation", f.Evidence);
        Assert.Equal(3, f.RootCause!.Line);
        Assert.Equal(InverseEdits.RoleFallback, f.RootCause.Edit!.Operator);
        Assert.Equal("ISNULL(s.[Bill To Customer Code], s.[Customer Code])", f.RootCause.Edit.Replacement);
        Assert.Contains(f.Candidates, c => c.Line == 4);
    }

    [Fact]
    public async Task A_fallback_dropped_inside_a_common_table_expression_is_restored_there()
    {
        // the NULL region is dropped by the outer filter, so only the CTE's own value can be given its fallback
        const string faulty = """
            CREATE PROCEDURE dbo.Load AS
            BEGIN
                WITH Clean AS (SELECT s.Id, s.Name, NULLIF(LTRIM(RTRIM(s.Region)), N'') AS Region FROM dbo.Src AS s)
                INSERT INTO dbo.Dst (Id, Name, Region) SELECT c.Id, c.Name, c.Region FROM Clean AS c WHERE c.Region <> N'test';
            END;
            """;
        var f = await AnalyseAsync(faulty, RegionTest);
        Assert.Equal("mutation", f.Evidence);
        Assert.Equal(3, f.RootCause!.Line);
        Assert.Equal("ISNULL(NULLIF(LTRIM(RTRIM(s.Region)), N''), N'none')", f.RootCause.Edit!.Replacement);
        Assert.Contains("Region", f.RootCause.Columns);
    }
}
