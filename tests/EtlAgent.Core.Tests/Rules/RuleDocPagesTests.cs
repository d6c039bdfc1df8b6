using EtlAgent.Core.Reporting;
using EtlAgent.Core.Rules;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>docs/rules/ETLnnnn.md is generated from the rule and finding-kind classes and must not drift from them.</summary>
public class RuleDocPagesTests
{
    public static TheoryData<string> KindIds()
    {
        var data = new TheoryData<string>();
        foreach (var k in RuleRegistry.Kinds) data.Add(k.Id);
        return data;
    }

    [Theory, MemberData(nameof(KindIds))]
    public void Doc_page_is_current(string id)
    {
        var path = Path.Combine(TestPaths.RepoRoot, "docs", "rules", $"{id}.md");
        var expected = RuleDocs.Markdown(RuleRegistry.FindKind(id)!.Descriptor);
        Assert.True(File.Exists(path), $"{path} is missing: run `etl-agent rules --format markdown --output docs/rules`");
        Assert.True(expected.ReplaceLineEndings() == File.ReadAllText(path).ReplaceLineEndings(),
            $"{path} is out of date: run `etl-agent rules --format markdown --output docs/rules`");
    }
}

public class FindingKindTests
{
    [Fact]
    public void Every_result_a_user_sees_has_a_documented_kind_in_the_ETL_series()
    {
        // the results of runs, next to the static rules, each with its page
        foreach (var id in new[] { "ETL0100", "ETL0101", "ETL0102", "ETL0103", "ETL0104" })
        {
            var kind = RuleRegistry.FindKind(id);
            Assert.NotNull(kind);
            Assert.IsNotAssignableFrom<Rule>(kind);
            Assert.False(string.IsNullOrWhiteSpace(kind!.Descriptor.Doc.Bad));
            Assert.False(string.IsNullOrWhiteSpace(kind.Descriptor.Doc.Good));
        }
        Assert.Equal(RuleRegistry.Kinds.Count, RuleRegistry.Kinds.Select(k => k.Id).Distinct().Count());
    }
}
