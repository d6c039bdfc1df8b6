using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Memory;

/// <summary>
/// What the agent remembers of past runs, behind one interface: SQLite in the workspace by default
/// (<see cref="SqliteMemoryStore"/>), DynamoDB for a team (<see cref="DynamoDbMemoryStore"/>). Both
/// pass the same contract tests. Every write is durable when the call returns; a run is written
/// with its cases, findings, timings and mutants all or nothing, so a process killed mid-write
/// loses at most the run it was writing. Safe for several processes at once (the CLI and the
/// language server) and for several threads.
/// </summary>
public interface IMemoryStore : IAuditLog, IDisposable
{
    /// <summary>Where the memory is, for messages ("sqlite .etl-agent/memory.db"); never a credential.</summary>
    string Describe();

    /// <summary>Records a completed run and moves its findings' states (<see cref="FindingRecord.AfterRun"/>).</summary>
    void RecordRun(RunWrite run);

    /// <summary>Completed runs, oldest first.</summary>
    IReadOnlyList<RunRecord> Runs();

    /// <summary>The case outcomes of one run.</summary>
    IReadOnlyList<CaseRecord> Cases(string runId);

    /// <summary>Every finding the memory knows, by fingerprint.</summary>
    IReadOnlyDictionary<string, FindingRecord> Findings();

    /// <summary>Dismisses a finding (known or not yet) with a reason and an optional expiry.</summary>
    void Dismiss(FindingSighting finding, string reason, DateTimeOffset? expires, DateTimeOffset now);

    /// <summary>Lifts the dismissal of a finding (<see cref="FindingRecord.Undismissed"/>); false when it was not dismissed.</summary>
    bool Undismiss(string fingerprint, DateTimeOffset now);

    /// <summary>Sandbox timings of one procedure, oldest first.</summary>
    IReadOnlyList<TimingRecord> Timings(string procedure);

    void RecordHeal(HealRecord heal);
    IReadOnlyList<HealRecord> Heals();

    /// <summary>Mutants of the latest run that tried <paramref name="transformation"/>.</summary>
    IReadOnlyList<MutantRecord> Mutants(string transformation);

    IReadOnlyList<InvariantRecord> Invariants(string transformation);

    /// <summary>
    /// The last green version of <paramref name="transformation"/> (<see cref="RunWrite.GreenVersions"/>),
    /// or null when no run has seen all its cases pass. Names compare without case.
    /// </summary>
    GreenVersion? LastGreen(string transformation);

    void RecordGeneration(GenerationRecord generation);

    /// <summary>The finished generation for a code fingerprint, or null.</summary>
    GenerationRecord? Generation(string key);

    /// <summary>The audit entries kept here (<see cref="IAuditLog.Append"/>), oldest first.</summary>
    IReadOnlyList<AuditEntry> AuditEntries();
}
