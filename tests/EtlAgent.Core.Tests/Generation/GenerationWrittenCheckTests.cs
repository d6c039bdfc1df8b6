namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// Source rows obey the checks of the tables the code loads them into (tests/fixtures/generation-written-checks):
/// a staging table of text converted into a table whose check relates two columns
/// ([Stock Target] &gt;= [Reorder At]) or bounds one ([Unit Weight] &gt; 100).
/// </summary>
public class GenerationWrittenCheckTests
{
    [Fact]
    public async Task The_base_input_of_a_load_into_a_checked_table_runs_past_the_insert()
    {
        var g = await FixtureGeneration.GenerateAsync(FixtureGeneration.Load("generation-written-checks"), "Fact.LoadStock");
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", g.Result?.Notes ?? Array.Empty<string>()));
        var first = g.Result!.File!.Cases.Single(c => c.Name.StartsWith("a new entity in the source →", StringComparison.Ordinal)
            || c.Name.StartsWith("one row in every input →", StringComparison.Ordinal));
        Assert.Null(first.Expect.Error);
        Assert.Contains(first.Expect.Tables, t => t.Table?.ToString() == "Fact.Stock" && t.Rows.Count == 1);
    }
}
