namespace EtlAgent.Core.Mutation;

/// <summary>
/// How long a mutant may run an input before it counts as timed out: a few times what the original
/// took on the same input, plus slack for a busy machine, never more than the case timeout. A
/// mutant that breaks a loop's step (DATEADD(DAY, 0, @Date), the increment deleted) never ends; with
/// the fixed case timeout each such mutant held a core for 10–20 s (Dim.PopulateDate), for a verdict
/// the original's own speed gives in a second or two. Mutation tools time out the same way (a factor
/// of the normal run plus a constant, as PIT does).
/// </summary>
public static class MutantTimeout
{
    public const double Factor = 5;
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    public static TimeSpan For(TimeSpan original, TimeSpan cap)
    {
        var t = TimeSpan.FromTicks((long)(original.Ticks * Factor)) + Slack;
        return t < cap ? t : cap;
    }
}
