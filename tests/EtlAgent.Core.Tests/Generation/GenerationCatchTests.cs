using EtlAgent.Core.Generation;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// Loads whose TRY block failed for every generated input, so that only their CATCH block (which logs
/// and swallows the error) was ever recorded and every mutant of the load itself was "not covered"
/// (tests/fixtures/generation-catch; docs/realworld.md "Inputs that get past the TRY block").
/// </summary>
public class GenerationCatchTests
{
    private static async Task<GenerationResult> GenerateWithMutantsAsync(string transformation)
    {
        var g = await FixtureGeneration.GenerateAsync(FixtureGeneration.Load("generation-catch"), transformation,
            new GenerationOptions { Cap = TimeSpan.Zero, MutationBudget = TimeSpan.FromMinutes(10) });
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", g.Result?.Notes ?? Array.Empty<string>()));
        return g.Result!;
    }

    /// <summary>Some case runs its TRY block to the end: nothing logged in Log.Error, no mutant of the TRY block left uncovered.</summary>
    private static void TryBlockRuns(GenerationResult result, int firstLine, int lastLine)
    {
        Assert.Contains(result.File!.Cases, c => c.Expect.Tables.Any(t => t.Table?.ToString() == "Log.Error" && t.Rows is { Count: 0 }));
        var uncovered = result.NotCovered.Where(m => m.Line >= firstLine && m.Line <= lastLine).Select(m => $"{m.Line}: {m.Operator} {m.Mutated}").ToList();
        Assert.True(uncovered.Count == 0, "not covered: " + string.Join("; ", uncovered));
    }

    private static IReadOnlyList<TestRow> Expected(TestCase c, string table) =>
        c.Expect.Tables.FirstOrDefault(t => t.Table?.ToString() == table)?.Rows ?? Array.Empty<TestRow>();

    private static IReadOnlyList<TestRow> Given(TestCase c, string table) =>
        c.Given.FirstOrDefault(t => t.Table.ToString() == table)?.Rows ?? Array.Empty<TestRow>();

    [Fact]
    public async Task Staged_text_copied_into_typed_columns_holds_text_that_converts()
    {
        // INSERT INTO #orders SELECT [src_order_id], [src_quantity], [src_order_date] … FROM Stage.Order: #orders types them int, int, date
        var result = await GenerateWithMutantsAsync("Sales.LoadOrders");
        TryBlockRuns(result, 9, 16);
        // staged rows reach the table (it starts empty or without them)
        Assert.Contains(result.File!.Cases, c => Expected(c, "Sales.Order").Count > Given(c, "Sales.Order").Count);
    }

    [Fact]
    public async Task Text_of_a_table_defined_nowhere_copied_into_typed_columns_converts_too()
    {
        // Feed.OrderLine is a stand-in (no CREATE TABLE): lineage does not know its columns, the copy into #feed still converts them
        var result = await GenerateWithMutantsAsync("Sales.LoadOrderFeed");
        TryBlockRuns(result, 10, 17);
        Assert.Contains(result.File!.Cases, c => Expected(c, "Sales.Order").Count > Given(c, "Sales.Order").Count);
    }

    [Fact]
    public async Task A_list_parameter_split_into_a_temp_table_names_rows_by_their_key()
    {
        // SELECT value AS [order_ref] INTO #ids FROM STRING_SPLIT(@OrderIdList, ',') … ON i.[order_ref] = s.[OrderId] (an int)
        var result = await GenerateWithMutantsAsync("Sales.MarkProcessed");
        TryBlockRuns(result, 8, 12);
        // an order the list names is marked
        Assert.Contains(result.File!.Cases, c => Expected(c, "Sales.Order").Any(r => Equals(r["Processed"], true)));
    }

    [Fact]
    public async Task A_list_parameter_split_in_a_derived_table_names_rows_by_their_key()
    {
        // INNER JOIN (SELECT DISTINCT TRIM(value) AS value FROM STRING_SPLIT(@Ids, ',')) AS l ON s.[OrderId] = l.value
        var result = await GenerateWithMutantsAsync("Sales.RemoveListed");
        TryBlockRuns(result, 8, 11);
        // an order the list names is removed
        Assert.Contains(result.File!.Cases, c => Expected(c, "Sales.Order").Count < Given(c, "Sales.Order").Count);
    }

    [Fact]
    public async Task Each_failure_one_handler_re_raises_as_the_same_error_is_a_case_of_its_own()
    {
        // both validations end in RAISERROR('Setting the customer failed', 16, 2) after the CATCH block logged them
        var result = await GenerateWithMutantsAsync("Sales.SetCustomer");
        var logged = result.File!.Cases.Where(c => c.Expect.Error is { Number: 50000 })
            .Select(c => Expected(c, "Log.Error").Select(r => r["ErrorMessage"] as string).LastOrDefault()).ToList();
        Assert.Contains("Order id must be positive", logged);
        Assert.Contains("Customer must not be empty", logged);
        Assert.Empty(result.KilledOnlyByLeftOut);
    }

    [Fact]
    public async Task A_parameter_naming_no_parent_row_makes_the_insert_fail_after_BEGIN_TRAN_so_the_CATCH_block_runs()
    {
        // INSERT … VALUES (@OrderId, @ChannelId) inside BEGIN TRANSACTION; the CATCH block rolls back and logs
        var result = await GenerateWithMutantsAsync("Sales.AssignChannel");
        Assert.Contains(result.File!.Cases, c => c.Name.Contains("@ChannelId naming no row of Sales.Channel", StringComparison.Ordinal)
            && Expected(c, "Log.Error").Any(r => Convert.ToInt32(r["ErrorNumber"], System.Globalization.CultureInfo.InvariantCulture) == 547));
        // the rollback and the log insert run in some case, and dropping the rollback shows (the log row goes with the open transaction)
        Assert.DoesNotContain(result.NotCovered, m => m.Line is 15 or 16);
        Assert.DoesNotContain(result.NotKilled, m => m.Line == 15 && m.Operator.StartsWith("statement deleted", StringComparison.Ordinal));
    }
}
