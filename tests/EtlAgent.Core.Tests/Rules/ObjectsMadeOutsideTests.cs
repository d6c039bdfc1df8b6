using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>
/// Unknown objects of a schema the code uses many undefined tables of read as made outside the
/// repository: ETL0015 leaves them to the stand-in finding (ETL0150, once per table, with the
/// externalObjects entry); a near-miss or a lone name stays an ETL0015 error. A streaming analysis
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
        var standIns = analysis.Findings.Where(f => f.RuleId == "ETL0150").Select(f => f.Message).ToList();
        foreach (var table in new[] { "Land.Orders", "Land.Returns", "Land.Visits" })
            Assert.Single(standIns, m => m.StartsWith(table + " ", StringComparison.Ordinal) && m.Contains("externalObjects", StringComparison.Ordinal));
    }
}
