namespace EtlAgent.Sandbox.Tests;

public enum ConformanceOutcome { Passed, Failed, KnownGap }

/// <summary>
/// How a case's run counts. A case marked <c>known_gap</c> is expected to fail and is reported as
/// skipped with its reason; once it behaves as documented it fails until its mark is removed, so
/// the list of gaps never claims more than is true.
/// </summary>
public static class ConformanceVerdict
{
    public static (ConformanceOutcome Outcome, string? Message) Of(ConformanceCase c, string? problem) => (c.KnownGap, problem) switch
    {
        (null, null) => (ConformanceOutcome.Passed, null),
        (null, _) => (ConformanceOutcome.Failed, $"{c.File}:{c.Line} {c.Name}: {problem}"),
        (_, null) => (ConformanceOutcome.Failed, $"{c.File}:{c.Line} {c.Name}: known gap now passes: remove it from the list (its `-- known_gap:` line, and the gap in docs/sandbox-support.md)"),
        _ => (ConformanceOutcome.KnownGap, $"known gap: {c.KnownGap} ({problem})"),
    };
}
