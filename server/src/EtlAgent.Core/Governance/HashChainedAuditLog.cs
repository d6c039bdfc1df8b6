using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Governance;

/// <summary>
/// The durable audit trail: appends each entry, secrets redacted, as a hash-chained line
/// (<see cref="AuditChain"/>) to an append-only file — `.etl-agent/audit.jsonl` in the workspace —
/// under the file's exclusive lock, so concurrent runs (the CLI and the editor, two CI jobs) keep
/// one valid chain. <see cref="Also"/> receives the same redacted entry afterwards: the seam for a
/// second copy (the memory store).
/// </summary>
public sealed class HashChainedAuditLog(IAppendOnlyFile file, SecretRedactor? redactor = null) : IAuditLog
{
    /// <summary>Workspace-relative path of the trail.</summary>
    public const string RelativePath = ".etl-agent/audit.jsonl";

    private readonly SecretRedactor _redactor = redactor ?? new SecretRedactor();

    /// <summary>The trail of the workspace at <paramref name="root"/> on disk.</summary>
    public static HashChainedAuditLog ForWorkspace(string root, SecretRedactor? redactor = null, IAuditLog? also = null) =>
        new(new LockedAppendFile(Path.Combine(root, ".etl-agent", "audit.jsonl")), redactor) { Also = also };

    public IAppendOnlyFile Trail { get; } = file;

    /// <summary>A second sink that gets every entry once it is durable here (null: none).</summary>
    public IAuditLog? Also { get; init; }

    public void Append(AuditEntry entry)
    {
        var clean = entry with
        {
            Target = _redactor.Redact(entry.Target),
            Reason = _redactor.Redact(entry.Reason),
            Details = _redactor.Redact(entry.Details),
        };
        Trail.Append(previous => AuditChain.Next(previous, clean));
        Also?.Append(clean);
    }

    public AuditVerification Verify() => AuditChain.Verify(Trail.Name, Trail.ReadLines());

    public IReadOnlyList<AuditEntry> Entries() => AuditChain.Entries(Trail.ReadLines());
}
