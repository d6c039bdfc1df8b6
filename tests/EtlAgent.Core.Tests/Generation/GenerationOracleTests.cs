using EtlAgent.Core.Generation;
using EtlAgent.Core.Mutation;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// Behaviour a generated file did not expect, so mutants changing it survived on real metadata code
/// (tests/fixtures/generation-oracle, read into memory; docs/realworld.md "Surviving mutants of the
/// seed-12 sample"): the rows a procedure that writes a table also SELECTs for its caller, and the
/// severity and state of the code's own errors.
/// </summary>
public class GenerationOracleTests
{
    private static async Task<GenerationResult> GenerateWithMutantsAsync(string transformation)
    {
        var g = await FixtureGeneration.GenerateAsync(FixtureGeneration.Load("generation-oracle"), transformation,
            new GenerationOptions { Cap = TimeSpan.Zero, MutationBudget = TimeSpan.FromMinutes(10) });
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", g.Result?.Notes ?? Array.Empty<string>()));
        return g.Result!;
    }

    private static List<string> NotToldApart(GenerationResult result, Func<Mutant, bool> which) =>
        result.NotKilled.Concat(result.NotCovered).Where(which).Select(m => $"{m.Line}: {m.Operator} {m.Mutated}").ToList();

    [Fact]
    public async Task The_rows_a_procedure_that_writes_a_table_selects_for_its_caller_are_expected()
    {
        // INSERT … then SELECT … WHERE [Setting Key] = SCOPE_IDENTITY(): a changed filter shows only in what is returned
        var result = await GenerateWithMutantsAsync("Cfg.AddSetting");
        Assert.Contains(result.File!.Cases, c => c.Expect.Result is { Rows.Count: 1 } && c.Expect.Tables.Count > 0);
        Assert.Contains("result:", result.Text, StringComparison.Ordinal);
        // DISTINCT added is equivalent there (the key is selected); every other mutant of the SELECT is told apart
        var left = NotToldApart(result, m => m.Line == 18 && !m.Operator.StartsWith("DISTINCT", StringComparison.Ordinal));
        Assert.True(left.Count == 0, "not told apart: " + string.Join("; ", left));
    }

    [Fact]
    public async Task The_severity_and_state_of_the_codes_own_error_are_expected()
    {
        // RAISERROR('…', 16, 1): 16 → 15 or 17 and 1 → 2 or 0 keep the number and the text
        var result = await GenerateWithMutantsAsync("Cfg.AddSetting");
        Assert.Contains(result.File!.Cases, c => c.Expect.Error is { Number: 50000, Severity: 16, State: 1 });
        Assert.Contains("severity: 16, state: 1", result.Text, StringComparison.Ordinal);
        var left = NotToldApart(result, m => m.Line == 14);
        Assert.True(left.Count == 0, "not told apart: " + string.Join("; ", left));
    }

    [Fact]
    public async Task A_parameter_the_code_updates_a_foreign_key_to_gets_the_row_it_names_so_the_update_succeeds()
    {
        // UPDATE Cfg.Job SET [Job Name] = @JobName, [Owner Code] = @OwnerCode: without an owner named by
        // @OwnerCode every update fails with 547, and deleting a SET clause changes nothing that shows
        var result = await GenerateWithMutantsAsync("Cfg.AssignJob");
        Assert.Contains(result.File!.Cases, c => c.Expect.Error is null && c.Name.Contains("1 updated", StringComparison.Ordinal));
        var left = NotToldApart(result, m => m.Operator.StartsWith("SET clause deleted", StringComparison.Ordinal));
        Assert.True(left.Count == 0, "not told apart: " + string.Join("; ", left));
    }
}
