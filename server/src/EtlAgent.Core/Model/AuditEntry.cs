namespace EtlAgent.Core.Model;

/// <summary>
/// One thing the agent did or refused to do, for the audit trail: a file written, a heal applied,
/// expectations re-recorded, an LLM called, a production-guard refusal. <see cref="Details"/> never
/// holds secrets, and holds row values only where the policy allows sending them.
/// </summary>
/// <param name="Time">When it happened (UTC, from the engine's clock).</param>
/// <param name="Actor">Who asked: "cli", "editor" or "ci".</param>
/// <param name="Action">What kind of thing: see <see cref="AuditActions"/>.</param>
/// <param name="Target">What it touched: a workspace-relative file, a procedure, a model name.</param>
/// <param name="Reason">Why, in words a reviewer understands.</param>
public sealed record AuditEntry(DateTimeOffset Time, string Actor, string Action, string Target, string Reason,
    IReadOnlyDictionary<string, string>? Details = null);

/// <summary>The actions the audit trail knows; one name per kind so a reviewer can filter on it.</summary>
public static class AuditActions
{
    public const string FileWritten = "file-written";
    public const string HealApplied = "heal-applied";
    public const string HealRejected = "heal-rejected";
    public const string ExpectationsRerecorded = "expectations-rerecorded";
    public const string LlmCall = "llm-call";
    public const string PolicyRefusal = "policy-refusal";
    public const string ProductionGuardRefusal = "production-guard-refusal";
    public const string BudgetExhausted = "budget-exhausted";
    public const string FindingDismissed = "finding-dismissed";
    public const string DismissalUndone = "dismissal-undone";
}
