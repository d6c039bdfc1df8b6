using EtlAgent.Core.Generation;
using EtlAgent.Core.Mutation;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// Mutants a generated file could not tell apart on real warehouses because the behaviour they change
/// is not in what the cases expect, or the inputs never hold the value that shows it
/// (tests/fixtures/generation-kills, read into memory; docs/realworld.md "Why generated tests kill few mutants").
/// </summary>
public class GenerationKillTests
{
    /// <summary>Generates with every mutant tried and no cap, and requires a file.</summary>
    private static async Task<GenerationResult> GenerateWithMutantsAsync(string transformation)
    {
        var g = await FixtureGeneration.GenerateAsync(FixtureGeneration.Load("generation-kills"), transformation,
            new GenerationOptions { Cap = TimeSpan.Zero, MutationBudget = TimeSpan.FromMinutes(10) });
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", g.Result?.Notes ?? Array.Empty<string>()));
        return g.Result!;
    }

    /// <summary>Every mutant <paramref name="which"/> picks is told apart (none reached-but-not-killed, none not covered).</summary>
    private static void AllToldApart(GenerationResult result, Func<Mutant, bool> which)
    {
        var left = result.NotKilled.Concat(result.NotCovered).Where(which).Select(m => m.Operator + " " + m.Mutated).ToList();
        Assert.True(left.Count == 0, "not told apart: " + string.Join("; ", left));
    }

    [Fact]
    public async Task What_a_procedure_answers_through_an_OUTPUT_parameter_is_expected_and_tells_its_mutants_apart()
    {
        // SELECT @Open = COUNT(*) … WHERE [Region] = @Region AND [Status] = 'open': only @Open shows a change there
        var result = await GenerateWithMutantsAsync("Batch.CheckRegion");
        Assert.Contains(result.File!.Cases, c => c.Expect.Outputs is { } o
            && o.Values.Any(v => v.Key == "@Open" && Convert.ToInt64(v.Value, System.Globalization.CultureInfo.InvariantCulture) == 1));
        Assert.Contains("outputs:", result.Text, StringComparison.Ordinal);
        AllToldApart(result, m => m.Line == 9);
    }

    [Fact]
    public async Task The_status_a_procedure_returns_is_expected_and_tells_its_mutants_apart()
    {
        // RETURN 1 when nothing was open, RETURN 0 after the update: deleting or changing either shows only in the status
        var result = await GenerateWithMutantsAsync("Batch.CloseRegion");
        Assert.Contains(result.File!.Cases, c => c.Expect.Return is { Value: 1 });
        Assert.Contains(result.File!.Cases, c => c.Expect.Return is { Value: 0 });
        // (deleting the last RETURN 0 is equivalent: a procedure that runs to its end returns 0)
        Assert.Single(result.NotKilled, m => m.Line == 11);
        AllToldApart(result, m => m.Line is 9 or 11 && !(m.Line == 11 && m.Operator.StartsWith("statement deleted", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_defaulted_flag_the_code_updates_to_its_default_starts_at_another_value_so_the_update_shows()
    {
        // [IsLatest] bit NOT NULL DEFAULT 0 and UPDATE … SET [IsLatest] = 0: rows left to the default would hide the update
        AllToldApart(await GenerateWithMutantsAsync("Batch.SaveSetting"), m => m.Line == 10);
    }

    [Fact]
    public async Task A_defaulted_column_the_code_compares_with_a_parameter_holds_a_value_the_parameter_can_name()
    {
        // [ProcessName] … DEFAULT ('') and WHERE [ProcessName] = @ProcessName: a process already known is found
        var result = await GenerateWithMutantsAsync("Batch.GetProcessId");
        Assert.Contains(result.File!.Cases, c => c.Name.StartsWith("an entity already in the target, named by the parameters → nothing changes", StringComparison.Ordinal));
        AllToldApart(result, m => m.Line == 8);
    }

    [Fact]
    public async Task A_load_run_again_on_its_own_output_finds_it_unchanged_and_each_change_detection_comparison_sees_a_change()
    {
        // MERGE … WHEN MATCHED AND (ISNULL(s.Scheme, 'n/a') <> ISNULL(t.Scheme, 'n/a') OR … Amount … OR … DueOn …) over trimmed, cut and converted text
        var result = await GenerateWithMutantsAsync("Batch.MergeLevy");
        // run twice, the load changes nothing the second time
        var again = Assert.Single(result.File!.Cases, c => c.Name.StartsWith("a new entity in the source, loaded again →", StringComparison.Ordinal));
        var given = again.Given.Single(g => g.Table.ToString() == "Batch.Levy").Rows;
        var expected = again.Expect.Tables.Single(t => t.Table?.ToString() == "Batch.Levy").Rows;
        Assert.Equal(given.Count, expected.Count);
        Assert.Equal("Insert", expected[0]["Action"]);
        // every comparison of the change detection is the one that sees a change in some case
        AllToldApart(result, m => m.Line is 11 or 12 or 13 && m.Operator.StartsWith("predicate removed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_procedure_that_asks_for_its_callers_transaction_is_also_called_inside_one()
    {
        // IF @external = 0 BEGIN TRANSACTION … IF @external = 0 AND @@TRANCOUNT > 0 COMMIT: outside a transaction a
        // mutant that begins only inside one, or commits the caller's, changes nothing the case reads
        var result = await GenerateWithMutantsAsync("Batch.RegisterThread");
        Assert.Contains(result.File!.Cases, c => c.InTransaction);
        Assert.Contains("in_transaction: true", result.Text, StringComparison.Ordinal);
        AllToldApart(result, m => m.Line == 10 && m.Operator.StartsWith("relational", StringComparison.Ordinal) || m.Line == 17 && m.Operator == "AND → OR");
    }

    [Fact]
    public async Task A_staging_table_the_load_drops_is_expected_dropped()
    {
        // IF OBJECT_ID('Import.Levy', 'U') IS NOT NULL DROP TABLE Import.Levy: deleting the DROP or its guard shows in no row
        var result = await GenerateWithMutantsAsync("Batch.PublishLevy");
        Assert.All(result.File!.Cases, c => Assert.Contains(c.Expect.Dropped, d => d.Table.ToString() == "Import.Levy"));
        Assert.Contains("dropped: [Import.Levy]", result.Text, StringComparison.Ordinal);
        AllToldApart(result, m => m.Line is 10 or 11 && m.Operator.StartsWith("statement deleted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_error_is_raised_again_inside_a_callers_transaction_where_the_catch_block_keeps_it_open()
    {
        // IF XACT_STATE() = 1 AND @external = 0 ROLLBACK: only an error inside a caller's transaction takes the other way
        var result = await GenerateWithMutantsAsync("Batch.RegisterStep");
        Assert.Contains(result.File!.Cases, c => c.InTransaction && c.Expect.Error is not null);
        AllToldApart(result, m => m.Line == 17 && (m.Operator == "AND → OR" || m.Operator.StartsWith("relational", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_lookup_of_the_current_version_by_a_constant_function_finds_rows_that_end_at_its_value()
    {
        // LEFT JOIN Batch.Rate AS d ON d.ValidTo = Batch.EndOfTime() AND …: the version the dimension holds ends at the
        // function's DATEFROMPARTS(2100, 1, 1), or no input ever finds one and the join's mutants stay untold
        var result = await GenerateWithMutantsAsync("Batch.RekeyRate");
        Assert.Contains(result.File!.Cases, c => c.Expect.Tables.Any(t => t.Table?.ToString() == "Stage.Rate" && t.Rows.Any(r => Equals(r["Action"], "Same"))));
        AllToldApart(result, m => m.Line is 9 or 11);
    }

    [Fact]
    public async Task A_catch_block_no_input_reached_is_reached_by_the_parameter_values_of_the_variations_on_an_input_that_writes()
    {
        // INSERT … SELECT s.Currency, @RunId … JOIN … d.Rate <> s.Rate into a NOT NULL [RunId]: @RunId NULL fails only where a rate moved
        var result = await GenerateWithMutantsAsync("Batch.LogMovedRates");
        Assert.Contains(result.File!.Cases, c => c.Expect.Return is { Value: -1 } && c.Call.Any(a => a.Key == "@RunId" && a.Value is null));
        AllToldApart(result, m => m.Line is 14 or 15);
    }

    [Fact]
    public async Task A_lookup_by_a_name_pattern_finds_a_row_whose_name_the_pattern_lets_through()
    {
        // SELECT s.RunStateId … WHERE s.RunStateName LIKE 'Sub-Pro%' AND s.FlagBit = @FlagBit: a state named
        // 'RunStateName 1' is never found, and every mutant of the lookup leaves the step's state NULL alike
        var result = await GenerateWithMutantsAsync("Batch.EndStep");
        Assert.Contains(result.File!.Cases, c => c.Expect.Tables.Any(t => t.Table?.ToString() == "Batch.StepRun" && t.Rows.Any(r => r["RunStateId"] is not null)));
        // (removing the LIKE itself needs a state the pattern refuses beside a step run: no such variation is made)
        AllToldApart(result, m => m.Line == 8 && (m.Operator.StartsWith("predicate removed", StringComparison.Ordinal) && m.Original.Contains("FlagBit", StringComparison.Ordinal) || m.Operator == "AND → OR"));
    }

    [Fact]
    public async Task A_setting_read_through_a_function_and_tested_in_a_callee_holds_the_value_that_runs_the_branch()
    {
        // DECLARE @Setting = Batch.ConfigValue('AuditMode') → EXEC Batch.AuditStart @Setting → Batch.AuditLevel(@Mode):
        // IF @Level = N'Calls': only a setting row holding 'Calls' writes the audit log, so that value is tried
        var result = await GenerateWithMutantsAsync("Batch.CheckJob");
        Assert.Contains(result.File!.Cases, c => c.Expect.Tables.Any(t => t.Table?.ToString() == "Batch.AuditLog" && t.Rows.Count == 1));
        AllToldApart(result, m => m.Line is 10 or 11);
    }

    [Fact]
    public async Task A_column_only_dynamic_SQL_copies_is_varied_so_an_input_fails_inside_the_transaction_after_the_run_is_logged()
    {
        // EXEC sp_executesql N'INSERT INTO Batch.NoteArchive … SELECT [NoteId] … FROM Stage.Note': a NULL staged key fails there,
        // after the run's log row exists, so the CATCH block's UPDATE of that row is seen
        var result = await GenerateWithMutantsAsync("Batch.ArchiveNotes");
        Assert.Contains(result.File!.Cases, c => c.Expect.Tables.Any(t => t.Table?.ToString() == "Batch.RunLog" && t.Rows.Any(r => Equals(Convert.ToInt64(r["Status"], System.Globalization.CultureInfo.InvariantCulture), 2L))));
        AllToldApart(result, m => m.Line == 19);
    }

    [Fact]
    public async Task A_list_parameter_names_both_entities_of_the_two_entity_input()
    {
        // WHERE o.OrderId IN (SELECT value FROM STRING_SPLIT(@OrderIds, ',')): with '1001' alone the second order is filtered
        // out and "two entities" runs the first entity's input again
        var result = await GenerateWithMutantsAsync("Batch.RegisterOrderKeys");
        var two = Assert.Single(result.File!.Cases, c => c.Name.StartsWith("two entities", StringComparison.Ordinal));
        Assert.Equal("1001,1002", two.Call.Single(a => a.Key == "@OrderIds").Value);
        Assert.Contains(two.Expect.Tables, t => t.Table?.ToString() == "Batch.OrderKey" && t.Rows.Count == 2);
    }

    [Fact]
    public async Task A_code_compared_after_tidying_is_held_by_the_column_so_each_branch_of_the_mapping_runs()
    {
        // CASE WHEN UPPER(TRIM(s.[StatusCode])) = 'S' THEN 'Single' WHEN … = 'M' THEN 'Married': a staged code of
        // 'StatusCode 1' takes the ELSE in every input, and swapping or changing the branches shows nowhere
        var result = await GenerateWithMutantsAsync("Batch.LoadCustomerStatus");
        Assert.Contains(result.File!.Cases, c => c.Expect.Tables.Any(t => t.Rows.Any(r => Equals(r["Status"], "Single"))));
        AllToldApart(result, m => m.Line is 9 or 10);
    }
}
