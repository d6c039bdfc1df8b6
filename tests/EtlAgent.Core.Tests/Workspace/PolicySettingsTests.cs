using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using Xunit;

namespace EtlAgent.Core.Tests.Workspace;

public class PolicySettingsTests
{
    private static PolicySettings Load(string manifest) =>
        WorkspaceSettings.Load(new MemoryFileSource().Add("etl-agent.json", manifest)).Policy;

    [Fact]
    public void Defaults_are_safe_write_tests_only()
    {
        var p = Load("{}");
        Assert.True(p.WriteGeneratedTests);
        Assert.False(p.RerecordExpectations);
        Assert.False(p.CallLlm);
        Assert.False(p.AllowsAutoApply("test", "schema-drift"));
        Assert.False(p.AllowsAutoApply("code", "null-unsafe-comparison"));
    }

    [Fact]
    public void Heal_autoApply_tests_allows_only_test_side_heals()
    {
        var p = Load("""{"heal": {"autoApply": "tests"}}""");
        Assert.True(p.AllowsAutoApply("test", "test-data"));
        Assert.False(p.AllowsAutoApply("code", "fan-out-join"));
    }

    [Fact]
    public void A_list_of_classes_allows_code_heals_of_those_classes()
    {
        var p = Load("""{"policy": {"applyHeals": ["null-unsafe-comparison"], "callLlm": true, "budget": {"llmCalls": 3, "wallTimeSeconds": 60}}}""");
        Assert.True(p.AllowsAutoApply("code", "NULL-unsafe-comparison"));
        Assert.False(p.AllowsAutoApply("code", "fan-out-join"));
        Assert.True(p.CallLlm);
        Assert.Equal(3, p.MaxLlmCallsPerRun);
        Assert.Equal(TimeSpan.FromSeconds(60), p.MaxWallTimePerRun);
    }

    [Theory]
    [InlineData("""{"heal": {"autoApply": "sometimes"}}""", "heal.autoApply")]
    [InlineData("""{"policy": {"callLlm": "yes"}}""", "policy.callLlm")]
    [InlineData("""{"policy": {"budget": {"llmCalls": -1}}}""", "policy.budget.llmCalls")]
    [InlineData("""{"policy": 3}""", "policy")]
    public void A_wrong_value_names_the_key(string manifest, string key)
    {
        var e = Assert.Throws<ConfigurationException>(() => Load(manifest));
        Assert.Contains("etl-agent.json", e.Message);
        Assert.Contains(key, e.Message);
    }
}
