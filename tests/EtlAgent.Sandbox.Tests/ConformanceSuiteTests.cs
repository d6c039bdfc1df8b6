namespace EtlAgent.Sandbox.Tests;

/// <summary>The loader and the verdict the suite's rows rest on.</summary>
public sealed class ConformanceSuiteTests
{
    private static ConformanceCase Case(string? gap) => new("x.sql", 3, "a case", "SELECT 1;", "1", null, null, "a page", gap);

    [Fact]
    public void A_known_gap_that_still_fails_is_skipped_with_its_reason_and_one_that_passes_fails()
    {
        Assert.Equal((ConformanceOutcome.Passed, null), ConformanceVerdict.Of(Case(null), null));
        Assert.Equal((ConformanceOutcome.Failed, "x.sql:3 a case: expected [1] got [2]"), ConformanceVerdict.Of(Case(null), "expected [1] got [2]"));
        Assert.Equal((ConformanceOutcome.KnownGap, "known gap: DuckDB differs (expected [1] got [2])"), ConformanceVerdict.Of(Case("DuckDB differs"), "expected [1] got [2]"));
        var (outcome, message) = ConformanceVerdict.Of(Case("DuckDB differs"), null);
        Assert.Equal(ConformanceOutcome.Failed, outcome);
        Assert.Contains("known gap now passes: remove it from the list", message);
    }

    [Fact]
    public void Every_fixture_file_contributes_cases()
    {
        var files = Directory.GetFiles(Harness.Fixture("conformance"), "*.sql").Select(Path.GetFileName);
        Assert.Equal(files.Order(StringComparer.Ordinal), ConformanceCases.ByKey.Values.Select(c => c.File).Distinct().Order(StringComparer.Ordinal));
    }
}
