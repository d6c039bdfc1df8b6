namespace EtlAgent.Core.Analysis;

/// <summary>How much a failure hurts, highest first when sorted descending: wrong data that loads silently is worse than a load that stops.</summary>
public enum FailureSeverity
{
    /// <summary>Only a message, a printed line or a result's shape differs.</summary>
    Cosmetic = 0,
    /// <summary>The load stops with an error (or cannot run): visible, nothing silently wrong.</summary>
    LoadFailure = 1,
    /// <summary>The load succeeds with wrong, missing or extra rows.</summary>
    SilentDataCorruption = 2,
}

/// <summary>The ids reports use for <see cref="FailureSeverity"/>.</summary>
public static class FailureSeverityNames
{
    public static string Id(FailureSeverity s) => s switch
    {
        FailureSeverity.SilentDataCorruption => "silent-data-corruption",
        FailureSeverity.LoadFailure => "load-failure",
        _ => "cosmetic",
    };
}
