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

    [Fact]
    public async Task The_status_a_procedure_returns_is_expected_and_tells_its_mutants_apart()
    {
        // RETURN 1 when nothing was open, RETURN 0 after the update: deleting or changing either shows only in the status
        var g = await GenerateWithMutantsAsync("Batch.CloseRegion");
        var result = g.Result!;
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", result.Notes));
        Assert.Contains(result.File!.Cases, c => c.Expect.Return is { Value: 1 });
        Assert.Contains(result.File!.Cases, c => c.Expect.Return is { Value: 0 });
        // (deleting the last RETURN 0 is equivalent: a procedure that runs to its end returns 0)
        var returns = result.NotKilled.Concat(result.NotCovered).Where(m => m.Line is 9 or 11 && !(m.Line == 11 && m.Operator.StartsWith("statement deleted", StringComparison.Ordinal)))
            .Select(m => m.Operator + " " + m.Mutated).ToList();
        Assert.Single(result.NotKilled, m => m.Line == 11);
        Assert.True(returns.Count == 0, "not told apart: " + string.Join("; ", returns));
    }

    [Fact]
    public async Task A_defaulted_flag_the_code_updates_to_its_default_starts_at_another_value_so_the_update_shows()
    {
        // [IsLatest] bit NOT NULL DEFAULT 0 and UPDATE … SET [IsLatest] = 0: rows left to the default would hide the update
        var g = await GenerateWithMutantsAsync("Batch.SaveSetting");
        var result = g.Result!;
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", result.Notes));
        var update = result.NotKilled.Concat(result.NotCovered).Where(m => m.Line == 10).Select(m => m.Operator + " " + m.Mutated).ToList();
        Assert.True(update.Count == 0, "not told apart: " + string.Join("; ", update));
    }

    [Fact]
    public async Task A_defaulted_column_the_code_compares_with_a_parameter_holds_a_value_the_parameter_can_name()
    {
        // [ProcessName] … DEFAULT ('') and WHERE [ProcessName] = @ProcessName: a process already known is found
        var g = await GenerateWithMutantsAsync("Batch.GetProcessId");
        var result = g.Result!;
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", result.Notes));
        Assert.Contains(result.File!.Cases, c => c.Name.StartsWith("an entity already in the target, named by the parameters → nothing changes", StringComparison.Ordinal));
        var lookup = result.NotKilled.Concat(result.NotCovered).Where(m => m.Line == 8).Select(m => m.Operator + " " + m.Mutated).ToList();
        Assert.True(lookup.Count == 0, "not told apart: " + string.Join("; ", lookup));
    }
}
