using EtlAgent.Core.Model;

namespace EtlAgent.Core.Ports;

/// <summary>
/// Where the engine records what it did (see <see cref="AuditEntry"/>). The one interface every
/// step that changes something goes through: generation writing files, heals, re-recording, LLM
/// calls, refusals. Implementations append and never rewrite; <see cref="Append"/> returns once
/// the entry is durable.
/// </summary>
public interface IAuditLog
{
    void Append(AuditEntry entry);
}

/// <summary>An audit log kept in memory: the default when the host gives none, and what tests read back.</summary>
public sealed class InMemoryAuditLog : IAuditLog
{
    private readonly List<AuditEntry> _entries = new();
    private readonly object _gate = new();

    public void Append(AuditEntry entry)
    {
        lock (_gate) _entries.Add(entry);
    }

    public IReadOnlyList<AuditEntry> Entries
    {
        get { lock (_gate) return _entries.ToList(); }
    }
}
