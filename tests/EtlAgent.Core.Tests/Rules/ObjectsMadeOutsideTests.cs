using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>
/// Unknown objects of a schema the code uses many undefined tables of read as made outside the
/// repository (information, with the externalObjects entry); a near-miss or a lone name stays an
/// error. A streaming analysis (check) learns the undefined tables after the rules ran and must agree
/// with a retained one (the editor).
/// </summary>
public class ObjectsMadeOutsideTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Schema_full_of_undefined_tables_is_information_a_typo_stays_an_error(bool retainSyntax)
    {
        var sql = File.ReadAllText(Path.Combine(TestPaths.Fixture("rules"), "ETL0015", "made-outside-the-repository.sql"));
        var files = new MemoryFileSource().Add("load.sql", sql);
        var rules = RuleRegistry.All.Where(r => r.Id == "ETL0015");
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default, rules: rules) { RetainSyntax = retainSyntax }.Analyze(files);

        var bySeverity = analysis.Findings.Where(f => f.RuleId == "ETL0015")
            .Select(f => (Line: f.Location.Range.Start.Line + 1, f.Severity)).OrderBy(f => f.Line).ToList();
        Assert.Equal(new[]
        {
            (10, Severity.Information), (11, Severity.Information), (12, Severity.Information),
            (14, Severity.Error), (16, Severity.Error),
        }, bySeverity);
        var info = analysis.Findings.First(f => f.Severity == Severity.Information);
        Assert.Contains("\"externalObjects\": [\"Land.*\"]", info.Message);
    }

    [Fact]
    public void A_configured_warning_is_not_raised_by_the_downgrade()
    {
        var sql = File.ReadAllText(Path.Combine(TestPaths.Fixture("rules"), "ETL0015", "made-outside-the-repository.sql"));
        var files = new MemoryFileSource().Add("load.sql", sql);
        var settings = WorkspaceSettings.Default with { RuleSeverities = new Dictionary<string, string> { ["ETL0015"] = "hint" } };
        var analysis = new WorkspaceAnalyzer(settings) { RetainSyntax = false }.Analyze(files);
        Assert.All(analysis.Findings.Where(f => f.RuleId == "ETL0015"), f => Assert.Equal(Severity.Hint, f.Severity));
    }
}
