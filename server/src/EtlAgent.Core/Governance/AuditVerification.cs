namespace EtlAgent.Core.Governance;

/// <summary>
/// What `etl-agent audit verify` found: the number of entries whose chain holds, the hash of the
/// last one (record it elsewhere to detect a cut-off tail later), and the first broken entry.
/// </summary>
public sealed record AuditVerification(string File, int Entries, string? HeadHash, int? BrokenLine, string? Problem)
{
    public bool Holds => BrokenLine is null;

    public string Text => Holds
        ? $"{File}: the chain holds: {Entries} {(Entries == 1 ? "entry" : "entries")}" + (HeadHash is null ? "" : $", head {HeadHash}")
        : $"{File}:{BrokenLine}: the chain is broken at entry {BrokenLine}: {Problem}";
}
