using EtlAgent.Core.Ports;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>The IS DISTINCT FROM fix depends on the workspace's compatibility level, which the one-file rule cases cannot set.</summary>
public class NullUnsafeChangeDetectionTests
{
    private const string Sql =
        "CREATE TABLE Staging.Customer ([Customer Code] nvarchar(20) NOT NULL, City nvarchar(50) NULL);\n" +
        "CREATE TABLE Dim.Customer ([Customer Key] int IDENTITY NOT NULL PRIMARY KEY, [Customer Code] nvarchar(20) NOT NULL, City nvarchar(50) NULL);\n" +
        "GO\n" +
        "UPDATE d SET d.City = s.City FROM Dim.Customer AS d JOIN Staging.Customer AS s ON s.[Customer Code] = d.[Customer Code] WHERE s.City <> d.City;";

    private static Model.Finding Check(int level)
    {
        var files = new MemoryFileSource().Add("load.sql", Sql);
        var settings = WorkspaceSettings.Default with { CompatibilityLevel = level };
        var analysis = new WorkspaceAnalyzer(settings, rules: RuleRegistry.All.Where(r => r.Id == "ETL0018")).Analyze(files);
        return Assert.Single(analysis.Findings, f => f.RuleId == "ETL0018");
    }

    [Fact]
    public void Level_160_offers_IS_DISTINCT_FROM_after_the_portable_EXCEPT()
    {
        var finding = Check(160);
        Assert.Equal(2, finding.Fixes.Count);
        Assert.Equal("EXISTS (SELECT s.City EXCEPT SELECT d.City)", Assert.Single(finding.Fixes[0].Edits).NewText);
        Assert.Equal("s.City IS DISTINCT FROM d.City", Assert.Single(finding.Fixes[1].Edits).NewText);
    }

    [Fact]
    public void Below_160_only_the_EXCEPT_form_is_offered()
    {
        var finding = Check(150);
        Assert.Equal("EXISTS (SELECT s.City EXCEPT SELECT d.City)", Assert.Single(Assert.Single(finding.Fixes).Edits).NewText);
        Assert.DoesNotContain("IS DISTINCT FROM", finding.Message);
    }
}
