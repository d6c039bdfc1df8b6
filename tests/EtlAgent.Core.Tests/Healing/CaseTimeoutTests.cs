using EtlAgent.Core.Healing;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using Xunit;

namespace EtlAgent.Core.Tests.Healing;

/// <summary>
/// The time a case may take while a heal is verified. A fault that makes a guard throw at once makes
/// every case fail fast; the heal that restores the load runs as long as the load did, so the fast
/// failures must not set the bound (a verified heal was lost this way under load).
/// </summary>
public class CaseTimeoutTests
{
    private static TestCaseResult Case(TestOutcome outcome, double seconds)
    {
        var c = new TestCase("c", null, Array.Empty<GivenTable>(), Array.Empty<KeyValuePair<string, object?>>(), TestExpectations.None);
        var file = new TestFile("tests/x.etltest.yaml", "Dim.X", false, new[] { c });
        return new TestCaseResult(file, c, outcome, Array.Empty<TestFailure>(), TimeSpan.FromSeconds(seconds), Array.Empty<string>());
    }

    [Fact]
    public void When_no_case_passes_the_upper_bound_applies()
    {
        var baseline = new[] { Case(TestOutcome.Failed, 0.05), Case(TestOutcome.Failed, 0.1) };
        Assert.Equal(TimeSpan.FromSeconds(10), HealSearch.CaseTimeoutFor(baseline));
    }

    [Fact]
    public void Passing_cases_set_the_bound_and_fast_failures_do_not_lower_it()
    {
        var baseline = new[] { Case(TestOutcome.Passed, 1.5), Case(TestOutcome.Failed, 0.01) };
        Assert.Equal(TimeSpan.FromSeconds(7), HealSearch.CaseTimeoutFor(baseline));
        Assert.Equal(TimeSpan.FromSeconds(2), HealSearch.CaseTimeoutFor(new[] { Case(TestOutcome.Passed, 0.01) }));
        Assert.Equal(TimeSpan.FromSeconds(10), HealSearch.CaseTimeoutFor(new[] { Case(TestOutcome.Passed, 9) }));
    }
}
