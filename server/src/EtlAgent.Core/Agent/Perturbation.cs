namespace EtlAgent.Core.Agent;

/// <summary>
/// A change to how a case runs that must not change its outcome: the order the given rows are
/// stored in (and so the order scans return them), the frozen clock, the NEWID() seed.
/// </summary>
public enum Perturbation
{
    /// <summary>Each table's given rows stored last first: a scan returns them in reverse.</summary>
    ReversedRows,
    /// <summary>Each table's given rows stored from the second on, the first last.</summary>
    RotatedRows,
    /// <summary>The clock of GETDATE()/SYSDATETIME()/CURRENT_TIMESTAMP moved (only for a case that does not fix its clock).</summary>
    ShiftedClock,
    /// <summary>Another seed for NEWID().</summary>
    ReseededNewId,
}

/// <summary>What each perturbation is called in findings, and what kind of construct it exposes.</summary>
public static class Perturbations
{
    /// <summary>How far the clock moves: a day, an hour and a few minutes, so dates, hours and minutes all change.</summary>
    public static readonly TimeSpan ClockShift = new(1, 1, 7, 0);

    /// <summary>Added to the case's NEWID() seed.</summary>
    public const int SeedShift = 7919;

    public static string Describe(Perturbation p) => p switch
    {
        Perturbation.ReversedRows => "the given rows are stored in reverse order",
        Perturbation.RotatedRows => "the given rows are stored in another order (the first one last)",
        Perturbation.ShiftedClock => $"the clock moves by {ClockShift.Days} day {ClockShift.Hours} h {ClockShift.Minutes} min (the case does not fix it)",
        _ => "NEWID() gets another seed",
    };

    public static bool IsRowOrder(Perturbation p) => p is Perturbation.ReversedRows or Perturbation.RotatedRows;

    /// <summary>The rows in the order the perturbation stores them.</summary>
    public static IReadOnlyList<T> Reorder<T>(Perturbation p, IReadOnlyList<T> rows) => p switch
    {
        Perturbation.ReversedRows => rows.Reverse().ToList(),
        Perturbation.RotatedRows when rows.Count > 1 => rows.Skip(1).Append(rows[0]).ToList(),
        _ => rows,
    };
}
