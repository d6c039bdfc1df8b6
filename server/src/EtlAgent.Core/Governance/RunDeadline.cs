namespace EtlAgent.Core.Governance;

/// <summary>
/// The wall-time budget of one run (policy.budget.wallTimeSeconds): a token that is cancelled when
/// the caller cancels or the budget is spent. <see cref="Expired"/> tells the two apart, and
/// <see cref="Exhausted"/> turns the budget's end into the audited, clearly worded stop.
/// </summary>
public sealed class RunDeadline : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly CancellationToken _outer;
    private readonly Governor _governor;
    private readonly string _run;

    internal RunDeadline(Governor governor, string run, TimeSpan? limit, CancellationToken outer)
    {
        _governor = governor;
        _run = run;
        _outer = outer;
        Limit = limit;
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        // a budget of nothing stops at once (a timer of zero would still let quick work finish)
        if (limit is { } l) { if (l <= TimeSpan.Zero) _source.Cancel(); else _source.CancelAfter(l); }
    }

    public TimeSpan? Limit { get; }

    public CancellationToken Token => _source.Token;

    /// <summary>The budget, not the caller, ended the run.</summary>
    public bool Expired => _source.IsCancellationRequested && !_outer.IsCancellationRequested;

    /// <summary>Records the stop in the audit trail and returns the exception that says so.</summary>
    public BudgetExhaustedException Exhausted(string during)
    {
        var seconds = Limit?.TotalSeconds ?? 0;
        var message = $"the {_run} was stopped {during}: its wall-time budget of {seconds:0.#} s (policy.budget.wallTimeSeconds in etl-agent.json) was spent; " +
                      "raise the budget or run less (--changed-since, --filter, --no-generate)";
        _governor.Record(Model.AuditActions.BudgetExhausted, _run, message,
            new Dictionary<string, string> { ["budget"] = "policy.budget.wallTimeSeconds", ["limitSeconds"] = seconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture), ["during"] = during });
        return new BudgetExhaustedException("policy.budget.wallTimeSeconds", message);
    }

    public void Dispose() => _source.Dispose();
}
