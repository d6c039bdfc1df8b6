using System.Globalization;
using System.Text.RegularExpressions;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using Microsoft.Extensions.AI;

namespace EtlAgent.Core.Healing;

/// <summary>
/// A model as an optional extra source of repair candidates (<see cref="IRepairSource"/>): asked
/// only when the policy allows calling one, within the run's budget of calls and tokens, no faster
/// than the configured rate; every call audited (model, tokens; never a key, rows only where
/// `llm.sendRows` allows). Its answer — the suspect statement rewritten — becomes a span edit that
/// goes through the same verifier as every other candidate. A failed call (an HTTP error, a
/// timeout, a body that does not parse) yields no candidate and a plain message in
/// <see cref="Problems"/>; the search goes on without it, and after a refusal that will not pass by
/// retrying within the run (401, 403, 429) no further call is made.
/// </summary>
public sealed partial class LlmRepairSource(IChatClient chat, LlmSettings settings, PolicySettings policy, SchemaCatalog catalog,
    IAuditLog audit, IClock clock, string actor) : IRepairSource
{
    private readonly object _gate = new();
    private int _calls;
    private long _tokens;
    private DateTime? _lastCall;
    private bool _exhaustedAudited;
    private bool _refused;
    private readonly List<string> _problems = new();

    /// <summary>How the rate limit waits (tests pass one that does not).</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = Task.Delay;

    /// <summary>Suspect statements asked about per failure, best first.</summary>
    public int StatementsPerFailure { get; init; } = 1;

    public int Calls { get { lock (_gate) return _calls; } }
    public long Tokens { get { lock (_gate) return _tokens; } }

    /// <summary>What went wrong with the calls, one plain sentence each (never the key).</summary>
    public IReadOnlyList<string> Problems { get { lock (_gate) return _problems.ToList(); } }

    public async Task<IReadOnlyList<RepairCandidate>> CandidatesAsync(TransformationAnalysis t, HealFailure failure, CancellationToken cancellationToken)
    {
        if (!policy.CallLlm) return Array.Empty<RepairCandidate>();
        var result = new List<RepairCandidate>();
        var failing = failure.Failing[0];
        foreach (var suspect in failure.Suspects.Where(s => s.File == t.Transformation.File).Take(StatementsPerFailure))
        {
            if (!Reserve(failure)) break;
            await RateLimitAsync(cancellationToken).ConfigureAwait(false);
            var prompt = LlmPrompt.Build(t, catalog, suspect, failing, settings.SendRows);
            ChatResponse response;
            try
            {
                response = await chat.GetResponseAsync(new[] { new ChatMessage(ChatRole.User, prompt) },
                    new ChatOptions { ModelId = settings.Model, Temperature = 0, MaxOutputTokens = Math.Min(settings.MaxOutputTokens, Remaining()) }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var (why, final) = LlmCallError.Describe(e, settings);
                Record(failure, 0, 0, $"the call failed: {why}");
                lock (_gate)
                {
                    _refused |= final;
                    _problems.Add($"LLM ({settings.Provider}, {settings.Model}): the call for {failure.Transformation} failed: {why}; "
                        + (final ? "no further call this run, " : "") + "the heal search went on without it.");
                }
                if (final) break;
                continue;
            }
            long input = response.Usage?.InputTokenCount ?? 0, output = response.Usage?.OutputTokenCount ?? 0;
            Record(failure, input, output, "repair candidate asked");
            if (Parse(response.Text, t.Document.Text, suspect) is { } candidate) result.Add(candidate);
            else lock (_gate) _problems.Add($"LLM ({settings.Provider}, {settings.Model}): the reply for {failure.Transformation} held no ```sql block that changes the statement; no candidate from it.");
        }
        return result;
    }

    /// <summary>The reply's ```sql block as the suspect statement's replacement, with its class line; null when it has none or changes nothing.</summary>
    private RepairCandidate? Parse(string reply, string text, SuspectStatement suspect)
    {
        var block = SqlBlock().Match(reply);
        if (!block.Success) return null;
        var original = text[suspect.StartOffset..suspect.EndOffset];
        var replacement = block.Groups[1].Value.Trim();
        if (original.TrimEnd().EndsWith(';') && !replacement.EndsWith(';')) replacement += ";";
        if (replacement.Length == 0 || replacement == original.Trim()) return null;
        var cls = ClassLine().Match(reply) is { Success: true } m ? m.Groups[1].Value.Trim().ToLowerInvariant() : HealClasses.Expression;
        return new RepairCandidate(HealKinds.Code, cls, $"rewrite the statement as {settings.Model} proposes",
            new[] { SpanEdits.Replace(suspect.File, text, suspect.StartOffset, suspect.EndOffset, replacement) }, "llm");
    }

    private bool Reserve(HealFailure failure)
    {
        lock (_gate)
        {
            if (_refused) return false;
            if (_calls < policy.MaxLlmCallsPerRun && _tokens < policy.MaxLlmTokensPerRun) return true;
            if (_exhaustedAudited) return false;
            _exhaustedAudited = true;
        }
        audit.Append(new AuditEntry(clock.UtcNow, actor, AuditActions.BudgetExhausted, settings.Model,
            $"LLM budget of the run spent ({policy.MaxLlmCallsPerRun} calls, {policy.MaxLlmTokensPerRun} tokens); no more candidates asked for {failure.Transformation}"));
        return false;
    }

    private int Remaining()
    {
        lock (_gate) return (int)Math.Max(1, Math.Min(int.MaxValue, policy.MaxLlmTokensPerRun - _tokens));
    }

    private async Task RateLimitAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromMinutes(1) / settings.RequestsPerMinute;
        TimeSpan wait;
        lock (_gate)
        {
            var now = clock.UtcNow;
            wait = _lastCall is { } last && now - last < interval ? interval - (now - last) : TimeSpan.Zero;
            _lastCall = now + wait;
        }
        if (wait > TimeSpan.Zero) await Delay(wait, cancellationToken).ConfigureAwait(false);
    }

    private void Record(HealFailure failure, long input, long output, string what)
    {
        lock (_gate)
        {
            _calls++;
            _tokens += input + output;
        }
        var first = failure.Failing[0];
        audit.Append(new AuditEntry(clock.UtcNow, actor, AuditActions.LlmCall, settings.Model,
            $"{what} for {first.File.Path} › {first.Case.Name}", new Dictionary<string, string>
            {
                ["provider"] = settings.Provider,
                ["model"] = settings.Model,
                ["inputTokens"] = input.ToString(CultureInfo.InvariantCulture),
                ["outputTokens"] = output.ToString(CultureInfo.InvariantCulture),
                ["rowsSent"] = settings.SendRows ? "true" : "false",
            }));
    }

    [GeneratedRegex(@"```(?:sql|tsql)?\s*\n(.*?)```", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex SqlBlock();

    [GeneratedRegex(@"^\s*class:\s*([\w-]+)", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex ClassLine();
}
