using EtlAgent.Core.Memory;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Governance;

/// <summary>
/// The audit trail and its copy in the memory store: each entry goes to <paramref name="primary"/>
/// (the durable, hash-chained trail) and then to the store <paramref name="copy"/> opens, so
/// `history` and a team's DynamoDB see what the agent did. The copy is opened on the first entry
/// (a run that changes nothing creates no store) and its failures are not the trail's: the entry
/// is already durable in the primary.
/// </summary>
public sealed class CopyingAuditLog(IAuditLog primary, Func<IAuditLog> copy) : IAuditLog
{
    private readonly Lazy<IAuditLog?> _copy = new(() =>
    {
        try { return copy(); }
        catch (Exception e) when (e is MemoryStoreException or ConfigurationException) { return null; }
    });

    /// <summary>Why the last copy failed (null: every copy so far was stored).</summary>
    public string? CopyProblem { get; private set; }

    public void Append(AuditEntry entry)
    {
        primary.Append(entry);
        try { _copy.Value?.Append(entry); CopyProblem = null; }
        catch (MemoryStoreException e) { CopyProblem = e.Message; }
    }
}
