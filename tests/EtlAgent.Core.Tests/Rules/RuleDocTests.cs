using EtlAgent.Core.Rules;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>
/// Every rule documents itself with a failing and a passing example; the failing one must fire,
/// the passing one must not, and where the rule offers a fix, fixing the failing example must
/// give the documented result and re-check clean.
/// </summary>
public class RuleDocTests
{
    public static TheoryData<string> RuleIds()
    {
        var data = new TheoryData<string>();
        foreach (var r in RuleRegistry.All) data.Add(r.Id);
        return data;
    }

    [Fact]
    public void There_are_at_least_fifteen_rules_besides_syntax_errors() =>
        Assert.True(RuleRegistry.All.Count(r => r.Id != "ETL0000") >= 15, $"only {RuleRegistry.All.Count} rules");

    [Theory, MemberData(nameof(RuleIds))]
    public void Rule_has_complete_doc(string id)
    {
        var d = RuleRegistry.Find(id)!.Descriptor;
        Assert.False(string.IsNullOrWhiteSpace(d.Title));
        Assert.False(string.IsNullOrWhiteSpace(d.Doc.Summary));
        Assert.False(string.IsNullOrWhiteSpace(d.Doc.Bad));
        Assert.False(string.IsNullOrWhiteSpace(d.Doc.Good));
        Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", d.Name);
    }

    [Theory, MemberData(nameof(RuleIds))]
    public void Bad_example_fires(string id)
    {
        var d = RuleRegistry.Find(id)!.Descriptor;
        var findings = RuleHarness.Check(d.Doc.Bad, d.Doc.Schema, id);
        Assert.True(findings.Count > 0, $"{id}: the bad example raised nothing");
        Assert.All(findings, f => Assert.False(string.IsNullOrWhiteSpace(f.Message)));
    }

    [Theory, MemberData(nameof(RuleIds))]
    public void Good_example_is_clean(string id)
    {
        var d = RuleRegistry.Find(id)!.Descriptor;
        var findings = RuleHarness.Check(d.Doc.Good, d.Doc.Schema, id);
        Assert.True(findings.Count == 0, $"{id}: the good example raised: {string.Join("; ", findings.Select(f => f.Message))}");
    }

    [Theory, MemberData(nameof(RuleIds))]
    public void Fix_turns_bad_into_documented_result(string id)
    {
        var d = RuleRegistry.Find(id)!.Descriptor;
        var findings = RuleHarness.Check(d.Doc.Bad, d.Doc.Schema, id);
        bool hasFix = findings.Any(f => f.Fixes.Count > 0);
        if (!hasFix)
        {
            Assert.True(d.Doc.Fixed is null, $"{id}: documents a fixed example but offers no fix");
            return;
        }
        var fixedText = RuleHarness.ApplyFirstFixes(d.Doc.Bad, findings);
        Assert.Equal(RuleHarness.Normalize(d.Doc.FixedOrGood), RuleHarness.Normalize(fixedText));
        var again = RuleHarness.Check(fixedText, d.Doc.Schema, id);
        Assert.True(again.Count == 0, $"{id}: the fixed text still raises: {string.Join("; ", again.Select(f => f.Message))}");
    }
}
