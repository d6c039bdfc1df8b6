using EtlAgent.Core.Generation;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// Mutants a generated file could not tell apart on real warehouses because the behaviour they change
/// is not in what the cases expect (tests/fixtures/generation-kills, read into memory; docs/realworld.md
/// "Why generated tests kill few mutants").
/// </summary>
public class GenerationKillTests
{
    private static Task<GeneratedTestFile> GenerateWithMutantsAsync(string transformation) =>
        FixtureGeneration.GenerateAsync(FixtureGeneration.Load("generation-kills"), transformation,
            new GenerationOptions { Cap = TimeSpan.Zero, MutationBudget = TimeSpan.FromMinutes(10) });

    [Fact]
    public async Task What_a_procedure_answers_through_an_OUTPUT_parameter_is_expected_and_tells_its_mutants_apart()
    {
        // SELECT @Open = COUNT(*) … WHERE [Region] = @Region AND [Status] = 'open': only @Open shows a change there
        var g = await GenerateWithMutantsAsync("Batch.CheckRegion");
        var result = g.Result!;
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", result.Notes));
        Assert.Contains(result.File!.Cases, c => c.Expect.Outputs is { } o
            && o.Values.Any(v => v.Key == "@Open" && Convert.ToInt64(v.Value, System.Globalization.CultureInfo.InvariantCulture) == 1));
        Assert.Contains("outputs:", result.Text, StringComparison.Ordinal);
        var countLine = result.NotKilled.Concat(result.NotCovered).Where(m => m.Line == 9).Select(m => m.Operator + " " + m.Mutated).ToList();
        Assert.True(countLine.Count == 0, "not told apart: " + string.Join("; ", countLine));
    }
}
