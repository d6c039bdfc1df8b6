namespace EtlAgent.Core.Ports;

/// <summary>
/// The wall clock, for what the engine stamps or chooses by date (report timestamps, the day a
/// rewritten test's generated values are anchored to). Test runs never read it: a case runs under
/// its own frozen clock.
/// </summary>
public interface IClock
{
    DateTime UtcNow { get; }

    /// <summary>The local date.</summary>
    DateTime Today { get; }
}
