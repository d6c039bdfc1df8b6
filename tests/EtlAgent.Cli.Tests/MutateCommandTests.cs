using System.Text.Json;
using EtlAgent.Cli;

namespace EtlAgent.Cli.Tests;

/// <summary>`etl-agent mutate` on tests/fixtures/mutation-coverage: killed / all first, not covered mutants counted.</summary>
public class MutateCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Cli.Run(args);

    [Fact]
    public void Json_keeps_its_fields_and_adds_not_covered_and_killed_of_all_and_text_leads_with_killed_of_all()
    {
        var workspace = TestPaths.Fixture("mutation-coverage");
        var (_, json, err) = Run("mutate", workspace, "--format", "json");
        var root = JsonDocument.Parse(json).RootElement;
        foreach (var p in new[] { "mutants", "killed", "survived", "equivalent", "score", "survivors", "notCovered", "killedOfAll", "equivalentByConstruction" })
            Assert.True(root.TryGetProperty(p, out _), $"mutate JSON lacks '{p}': {json}{err}");
        int mutants = root.GetProperty("mutants").GetInt32(), killed = root.GetProperty("killed").GetInt32();
        Assert.True(root.GetProperty("notCovered").GetInt32() > 0, json);   // the clearance branch no case runs
        Assert.Equal(Math.Round((double)killed / mutants, 4), root.GetProperty("killedOfAll").GetDouble());

        var (_, text, _) = Run("mutate", workspace);
        Assert.Matches($@"^Sales\.ApplyDiscount: {killed} of {mutants} mutants killed \(.+\), {root.GetProperty("notCovered").GetInt32()} not covered, \d+ probably equivalent, \d+ survived; ", text);
        Assert.Contains("  NOT COVERED ", text);
    }
}
