namespace EtlAgent.Core.Memory;

/// <summary>What became of a heal: offered to a person, applied, or rejected.</summary>
public enum HealStatus { Offered, Applied, Rejected }

/// <summary>
/// One heal (a fix to code or to a test) and what became of it; the acceptance rate per
/// <see cref="BugClass"/> ranks the next heals.
/// </summary>
/// <param name="Target">The file or procedure it changes.</param>
/// <param name="Fingerprint">The finding it heals, when it heals one.</param>
/// <param name="HealId">The heal's stable id (the heal search's id): a heal offered after every test run counts as one offer.</param>
public sealed record HealRecord(DateTimeOffset Time, string Target, string BugClass, HealStatus Status, string? Fingerprint = null, string? RunId = null,
    string? HealId = null);
