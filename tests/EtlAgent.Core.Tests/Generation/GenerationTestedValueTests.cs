using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// Parameters the code tests against literals (tests/fixtures/generation-tested-values): a guard
/// listing the values it accepts, a mode compared with a word, a simple CASE. Every value the code
/// tells apart is an input, and a guard's list gives the base inputs a value that gets past it.
/// </summary>
public class GenerationTestedValueTests
{
    private static async Task<TestFile> FileAsync(string transformation)
    {
        var g = await FixtureGeneration.GenerateAsync(FixtureGeneration.Load("generation-tested-values"), transformation);
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", g.Result?.Notes ?? Array.Empty<string>()));
        return g.Result!.File!;
    }

    private static object? Argument(TestCase c, string name) =>
        c.Call.FirstOrDefault(a => string.Equals(a.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    [Fact]
    public async Task A_guard_listing_accepted_values_is_passed_by_the_base_inputs_and_still_raised()
    {
        // IF @Outcome NOT IN ('Done', 'Failed') THROW: without a listed value every input stops there
        var file = await FileAsync("Ops.CloseBatch");
        Assert.Contains(file.Cases, c => c.Expect.Error is null && Equals(Argument(c, "@Outcome"), "Done"));
        Assert.Contains(file.Cases, c => c.Expect.Error is null && Equals(Argument(c, "@Outcome"), "Failed"));
        // the guard's own branch (one case per distinct error: NULL or a value the code does not name)
        Assert.Contains(file.Cases, c => c.Expect.Error is { Number: 50030 });
        Assert.All(file.Cases.Where(c => c.Expect.Error is null), c => Assert.Contains(Argument(c, "@Outcome"), new object?[] { "Done", "Failed" }));
    }

    [Fact]
    public async Task A_mode_compared_with_a_word_is_tried_with_that_word()
    {
        var file = await FileAsync("Ops.ArchiveBatches");
        Assert.Contains(file.Cases, c => c.Expect.Error is null && Equals(Argument(c, "@Mode"), "FULL"));
    }

    [Fact]
    public async Task Each_value_of_a_simple_CASE_over_a_parameter_is_tried()
    {
        var file = await FileAsync("Ops.SetPriority");
        Assert.Contains(file.Cases, c => Equals(Argument(c, "@Kind"), "H"));
        Assert.Contains(file.Cases, c => Equals(Argument(c, "@Kind"), "L"));
    }
}
