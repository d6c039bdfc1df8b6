using EtlAgent.Core.Reporting;
using EtlAgent.Core.Rules;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>docs/rules/ETLnnnn.md is generated from the rule classes and must not drift from them.</summary>
public class RuleDocPagesTests
{
    [Theory, MemberData(nameof(RuleDocTests.RuleIds), MemberType = typeof(RuleDocTests))]
    public void Doc_page_is_current(string id)
    {
        var path = Path.Combine(TestPaths.RepoRoot, "docs", "rules", $"{id}.md");
        var expected = RuleDocs.Markdown(RuleRegistry.Find(id)!.Descriptor);
        Assert.True(File.Exists(path), $"{path} is missing: run `etl-agent rules --format markdown --output docs/rules`");
        Assert.True(expected.ReplaceLineEndings() == File.ReadAllText(path).ReplaceLineEndings(),
            $"{path} is out of date: run `etl-agent rules --format markdown --output docs/rules`");
    }
}
