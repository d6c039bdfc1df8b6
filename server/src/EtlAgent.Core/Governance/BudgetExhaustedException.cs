namespace EtlAgent.Core.Governance;

/// <summary>A run hit one of the policy's per-run budgets (wall time, LLM calls, LLM tokens) and was stopped.</summary>
public sealed class BudgetExhaustedException(string budgetKey, string message) : Exception(message)
{
    /// <summary>The manifest key of the budget, e.g. "policy.budget.wallTimeSeconds".</summary>
    public string BudgetKey { get; } = budgetKey;
}
