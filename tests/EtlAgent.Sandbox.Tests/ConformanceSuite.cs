using Xunit.Abstractions;

namespace EtlAgent.Sandbox.Tests;

/// <summary>Each conformance case is its own test: a failure names the case, and the run's summary counts cases.</summary>
public sealed class ConformanceSuite(ConformanceReport report, ITestOutputHelper output) : IClassFixture<ConformanceReport>
{
    public static IEnumerable<object[]> Cases() => ConformanceCases.Load().Select(c => new object[] { new ConformanceCaseKey(c.Key) });

    [SkippableTheory(DisplayName = "Conformance"), MemberData(nameof(Cases))]
    public async Task Case(ConformanceCaseKey @case)
    {
        var c = ConformanceCases.ByKey[@case.Key];
        var problem = await ConformanceCases.RunAsync(Harness.Conformance, c);
        var (outcome, message) = ConformanceVerdict.Of(c, problem);
        report.Record(c, outcome, message);
        output.WriteLine($"{c.File}:{c.Line} (source: {c.Source})");
        Assert.True(outcome != ConformanceOutcome.Failed, message);
        Skip.If(outcome == ConformanceOutcome.KnownGap, message);
    }
}
