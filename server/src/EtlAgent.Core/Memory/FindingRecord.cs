namespace EtlAgent.Core.Memory;

/// <summary>Where a finding is in its life: first seen, seen again, dismissed by a person, or gone (fixed).</summary>
public enum FindingState { New, Seen, Dismissed, Fixed }

/// <summary>A finding a run reported, by its fingerprint (<see cref="Model.FindingFingerprint"/>).</summary>
public sealed record FindingSighting(string Fingerprint, string RuleId, string File, string Message);

/// <summary>
/// What the memory knows about one finding: its state, the runs that first and last saw it, and
/// for a dismissal the reason and when it lapses (null: never).
/// </summary>
public sealed record FindingRecord(string Fingerprint, string RuleId, string File, string Message, FindingState State,
    string? FirstSeenRun, string? LastSeenRun, DateTimeOffset Updated)
{
    public string? Reason { get; init; }
    public DateTimeOffset? Expires { get; init; }

    /// <summary>Dismissed and not yet lapsed at <paramref name="now"/>.</summary>
    public bool IsDismissedAt(DateTimeOffset now) => State == FindingState.Dismissed && (Expires is null || Expires > now);

    /// <summary>The record dismissed with <paramref name="reason"/> until <paramref name="expires"/> (null: never).</summary>
    public FindingRecord DismissedAs(string reason, DateTimeOffset? expires, DateTimeOffset now) =>
        this with { State = FindingState.Dismissed, Reason = reason, Expires = expires, Updated = now };

    /// <summary>The record with its dismissal lifted: seen when a run reported it, else new; null when it is not dismissed.</summary>
    public FindingRecord? Undismissed(DateTimeOffset now) => State != FindingState.Dismissed ? null
        : this with { State = LastSeenRun is null ? FindingState.New : FindingState.Seen, Reason = null, Expires = null, Updated = now };

    /// <summary>A finding the memory does not know yet, as a dismissal starts it.</summary>
    public static FindingRecord Unknown(FindingSighting s, DateTimeOffset now) => new(s.Fingerprint, s.RuleId, s.File, s.Message, FindingState.New, null, null, now);

    /// <summary>
    /// The record after a run that reported the findings in <paramref name="seen"/>: reported ones
    /// become new (first time) or seen, unless a dismissal holds; ones no longer reported become
    /// fixed (a lapsed dismissal too). The one rule both stores apply.
    /// </summary>
    public static IReadOnlyList<FindingRecord> AfterRun(IReadOnlyDictionary<string, FindingRecord> known, IReadOnlyList<FindingSighting> seen,
        string runId, DateTimeOffset now)
    {
        var changed = new List<FindingRecord>();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in seen)
        {
            if (!reported.Add(s.Fingerprint)) continue;
            if (!known.TryGetValue(s.Fingerprint, out var k))
                changed.Add(new FindingRecord(s.Fingerprint, s.RuleId, s.File, s.Message, FindingState.New, runId, runId, now));
            else if (k.IsDismissedAt(now))
                changed.Add(k with { LastSeenRun = runId, Message = s.Message, File = s.File });
            else
                changed.Add(k with { State = FindingState.Seen, LastSeenRun = runId, Message = s.Message, File = s.File, Updated = now, Reason = null, Expires = null });
        }
        foreach (var k in known.Values)
            if (!reported.Contains(k.Fingerprint) && k.State is FindingState.New or FindingState.Seen)
                changed.Add(k with { State = FindingState.Fixed, Updated = now });
        return changed;
    }
}
