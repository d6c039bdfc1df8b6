using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Governance;

/// <summary>
/// The workspace's policy and audit trail in one place, for every step that changes something or
/// leaves the sandbox: it answers whether an action may happen without approval, records what
/// happened and what was refused (time from the engine's clock, the acting door, the reason), and
/// bounds a run's wall time. The engine owns one; the doors never decide policy themselves.
/// </summary>
public sealed class Governor(PolicySettings policy, IAuditLog audit, IClock clock, string actor)
{
    public PolicySettings Policy { get; } = policy;
    public IAuditLog Audit { get; } = audit;
    public string Actor { get; } = actor;

    /// <summary>Appends one entry, stamped now and with the acting door.</summary>
    public void Record(string action, string target, string reason, IReadOnlyDictionary<string, string>? details = null) =>
        Audit.Append(new AuditEntry(new DateTimeOffset(DateTime.SpecifyKind(clock.UtcNow, DateTimeKind.Utc)), Actor, action, target, reason, details));

    /// <summary>Records a refusal by the policy and returns the exception that tells the user which key refuses it.</summary>
    public PolicyRefusedException Refuse(string policyKey, string target, string what)
    {
        var message = $"{what}: {policyKey} is false in {WorkspaceSettings.ManifestFile}, so the agent does not do this without approval";
        Record(AuditActions.PolicyRefusal, target, message, new Dictionary<string, string> { ["policy"] = policyKey });
        return new PolicyRefusedException(policyKey, message);
    }

    /// <summary>Null when generated tests may be written; otherwise why not (the refusal is recorded).</summary>
    public string? RefuseGeneratedTests(string target) =>
        Policy.WriteGeneratedTests ? null : Refuse("policy.writeGeneratedTests", target, $"not writing generated tests ({target})").Message;

    /// <summary>Records a refusal by the SQL Server production guard.</summary>
    public void ProductionGuardRefused(string target, string reason) =>
        Record(AuditActions.ProductionGuardRefusal, target, reason);

    /// <summary>Re-recorded expectations of a test file (the schema-drift update, a heal).</summary>
    public void ExpectationsRerecorded(string path, string reason) =>
        Record(AuditActions.ExpectationsRerecorded, path, reason);

    /// <summary>
    /// A writer that goes through the policy and the trail: a generated test file is refused when
    /// policy.writeGeneratedTests is false; every file written is recorded with what it is.
    /// </summary>
    public IFileWriter Writer(IFileWriter inner) => inner as GovernedFileWriter is { } g && ReferenceEquals(g.Governor, this) ? inner : new GovernedFileWriter(inner, this);

    /// <summary>
    /// Runs <paramref name="work"/> within the wall-time budget: when the budget ends it, the stop is
    /// recorded and <see cref="BudgetExhaustedException"/> says so; the caller's cancellation stays a cancellation.
    /// </summary>
    public async Task<T> WithinBudgetAsync<T>(string run, string during, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        using var deadline = Deadline(run, cancellationToken);
        try { return await work(deadline.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (deadline.Expired) { throw deadline.Exhausted(during); }
    }

    /// <summary>The wall-time budget of one run (<paramref name="run"/> names it in messages: "full run", "test run").</summary>
    public RunDeadline Deadline(string run, CancellationToken cancellationToken) =>
        new(this, run, Policy.MaxWallTimePerRun, cancellationToken);
}
