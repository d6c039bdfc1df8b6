using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>
/// Unknown objects of a schema the code uses many undefined tables of read as made outside the
/// repository: ETL0015 leaves them to the stand-in finding (ETL0150, once per table, with the
/// externalObjects entries, one notice per schema and file); a near-miss or a lone name stays an ETL0015 error. A streaming analysis
/// (check) learns the undefined tables after the rules ran and must agree with a retained one (the editor).
/// </summary>
public class ObjectsMadeOutsideTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Schema_full_of_undefined_tables_is_left_to_the_stand_in_finding_a_typo_stays_an_error(bool retainSyntax)
    {
        var sql = File.ReadAllText(Path.Combine(TestPaths.Fixture("rules"), "ETL0015", "made-outside-the-repository.sql"));
        var files = new MemoryFileSource().Add("load.sql", sql);
        var rules = RuleRegistry.All.Where(r => r.Id is "ETL0015" or "ETL0150");
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default, rules: rules) { RetainSyntax = retainSyntax }.Analyze(files);

        var unknown = analysis.Findings.Where(f => f.RuleId == "ETL0015")
            .Select(f => (Line: f.Location.Range.Start.Line + 1, f.Severity)).OrderBy(f => f.Line).ToList();
        Assert.Equal(new[] { (14, Severity.Error), (16, Severity.Error) }, unknown);
        // the schema's undefined tables, first used in one file, make one notice that names each once
        // (the near-miss Land.Custmer is tested against a stand-in too, beside its ETL0015 error)
        var notice = Assert.Single(analysis.Findings, f => f.RuleId == "ETL0150" && f.Message.Contains("Land.", StringComparison.Ordinal));
        Assert.StartsWith("4 tables of schema Land ", notice.Message, StringComparison.Ordinal);
        Assert.Contains("externalObjects", notice.Message, StringComparison.Ordinal);
        foreach (var table in new[] { "Land.Orders", "Land.Returns", "Land.Visits", "Land.Custmer" })
            Assert.Single(notice.Related, r => r.Message.StartsWith(table + ": { \"name\"", StringComparison.Ordinal) && r.Message.Contains("\"columns\"", StringComparison.Ordinal));
    }
}

/// <summary>One table name in two database projects is two tables: a column one project's table lacks is not missing from the other's.</summary>
public class ColumnsOfAnotherProjectTests
{
    private static IReadOnlyList<Finding> UnknownColumns(string procedureFolder)
    {
        var files = new MemoryFileSource()
            .Add("dwh/dwh.sqlproj", "<Project />").Add("dwh/Tables/Customer.sql", "CREATE TABLE staging.Customer (NKey int NULL);")
            .Add("ods/ods.sqlproj", "<Project />").Add("ods/Tables/Customer.sql", "CREATE TABLE staging.Customer (NKey int NULL, UpdatedAt datetime2 NULL);")
            .Add(procedureFolder + "/Procedures/Load.sql", "CREATE PROCEDURE etl.LoadCustomer AS\nBEGIN\n    INSERT INTO staging.Customer (NKey, UpdatedAt) VALUES (1, SYSDATETIME());\nEND");
        var settings = WorkspaceSettings.Load(files);
        var analysis = new WorkspaceAnalyzer(settings, rules: RuleRegistry.All.Where(r => r.Id == "ETL0015")).Analyze(files);
        return analysis.Findings.Where(f => f.RuleId == "ETL0015").ToList();
    }

    [Fact]
    public void A_column_of_the_same_named_table_in_another_project_is_not_reported()
    {
        // the dwh definition is the one in use (first by path): in dwh the column is missing, in ods it is not
        Assert.Contains("UpdatedAt", Assert.Single(UnknownColumns("dwh")).Message);
        Assert.Empty(UnknownColumns("ods"));
    }
}

/// <summary>NOLOCK on a table only its own defining script fills is not reported; a table another script backfills is.</summary>
public class SeededReferenceDataTests
{
    [Fact]
    public void Only_a_table_seeded_by_its_own_definition_file_counts_as_static()
    {
        var files = new MemoryFileSource()
            .Add("tables/calendar.sql", "CREATE TABLE Ref.Calendar (DateKey int NOT NULL);\nGO\nINSERT INTO Ref.Calendar (DateKey) VALUES (20240101);")
            .Add("tables/metadata.sql", "CREATE TABLE Ref.Metadata (Code int NOT NULL);\nCREATE TABLE Fact.Visit (DateKey int NULL);")
            .Add("onboarding/backfill.sql", "INSERT INTO Ref.Metadata (Code) SELECT Code FROM OtherDb.dbo.Metadata;")
            .Add("procs/load.sql", "CREATE PROCEDURE Etl.LoadVisits AS\nBEGIN\n" +
                "    INSERT INTO Fact.Visit (DateKey) SELECT c.DateKey FROM Ref.Calendar AS c WITH (NOLOCK);\n" +
                "    INSERT INTO Fact.Visit (DateKey) SELECT m.Code FROM Ref.Metadata AS m WITH (NOLOCK);\nEND");
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default, rules: RuleRegistry.All.Where(r => r.Id == "ETL0010")) { RetainSyntax = false }.Analyze(files);
        var finding = Assert.Single(analysis.Findings, f => f.RuleId == "ETL0010");
        Assert.Equal(4, finding.Location.Range.Start.Line + 1);
    }
}
