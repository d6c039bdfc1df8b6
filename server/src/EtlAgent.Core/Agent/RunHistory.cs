using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using EtlAgent.Core.Memory;

namespace EtlAgent.Core.Agent;

/// <summary>
/// `etl-agent history`: the runs the memory holds, their trends (pass rate, findings, mutation
/// score), the cases whose outcome changed on the same code and data, and per rule how many of
/// its findings were dismissed.
/// </summary>
public sealed record RunHistory(
    IReadOnlyList<RunRecord> Runs,
    IReadOnlyList<RunHistory.NondeterministicCase> Nondeterministic,
    IReadOnlyList<RunHistory.RuleDismissals> Rules,
    string Store)
{
    /// <summary>A case that ended in more than one way across runs of the same code and input.</summary>
    public sealed record NondeterministicCase(string Name, string Transformation, IReadOnlyList<string> Outcomes, IReadOnlyList<string> Runs);

    /// <summary>Findings of one rule the memory knows, and how many of them are dismissed now.</summary>
    public sealed record RuleDismissals(string RuleId, int Findings, int Dismissed)
    {
        public double Rate => Findings == 0 ? 0 : (double)Dismissed / Findings;
    }

    /// <summary>Reads the history from <paramref name="store"/>; dismissals count when not lapsed at <paramref name="now"/>.</summary>
    public static RunHistory Read(IMemoryStore store, DateTimeOffset now)
    {
        var runs = store.Runs();
        var outcomes = new Dictionary<(string Name, string Code), (string Transformation, SortedSet<string> Outcomes, List<string> Runs)>();
        foreach (var run in runs)
            foreach (var c in store.Cases(run.Id))
            {
                if (!outcomes.TryGetValue((c.Name, c.CodeKey), out var o)) outcomes[(c.Name, c.CodeKey)] = o = (c.Transformation, new SortedSet<string>(StringComparer.Ordinal), new List<string>());
                o.Outcomes.Add(c.Outcome);
                o.Runs.Add(run.Id);
            }
        var nondeterministic = outcomes.Where(o => o.Value.Outcomes.Count > 1)
            .Select(o => new NondeterministicCase(o.Key.Name, o.Value.Transformation, o.Value.Outcomes.ToList(), o.Value.Runs))
            .OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
        var rules = store.Findings().Values.GroupBy(f => f.RuleId)
            .Select(g => new RuleDismissals(g.Key, g.Count(), g.Count(f => f.IsDismissedAt(now))))
            .OrderByDescending(r => r.Dismissed).ThenByDescending(r => r.Rate).ThenBy(r => r.RuleId, StringComparer.Ordinal).ToList();
        return new RunHistory(runs, nondeterministic, rules, store.Describe());
    }

    private static double? PassRate(RunRecord r) => r.Passed + r.Failed == 0 ? null : (double)r.Passed / (r.Passed + r.Failed);

    /// <summary>`{"runs":[{"id","started","finished","commit","passed","failed","findings",…}], "trends", "nondeterministic", "rules"}`.</summary>
    public JsonObject ToJson(bool withRules)
    {
        var json = new JsonObject
        {
            ["store"] = Store,
            ["runs"] = new JsonArray(Runs.Select(r => (JsonNode)new JsonObject
            {
                ["id"] = r.Id,
                ["started"] = r.Started.ToString("o", CultureInfo.InvariantCulture),
                ["finished"] = r.Finished.ToString("o", CultureInfo.InvariantCulture),
                ["commit"] = r.Commit,
                ["passed"] = r.Passed,
                ["failed"] = r.Failed,
                ["findings"] = r.Findings,
                ["dismissed"] = r.Dismissed,
                ["outcome"] = r.Outcome,
                ["actor"] = r.Actor,
                ["passRate"] = PassRate(r),
                ["mutationScore"] = r.MutationScore,
            }).ToArray()),
            ["trends"] = Trends(),
            ["nondeterministic"] = new JsonArray(Nondeterministic.Select(n => (JsonNode)new JsonObject
            {
                ["case"] = n.Name,
                ["transformation"] = n.Transformation,
                ["outcomes"] = new JsonArray(n.Outcomes.Select(o => (JsonNode)o).ToArray()),
                ["runs"] = new JsonArray(n.Runs.Select(o => (JsonNode)o).ToArray()),
            }).ToArray()),
        };
        if (withRules)
            json["rules"] = new JsonArray(Rules.Select(r => (JsonNode)new JsonObject
            {
                ["ruleId"] = r.RuleId, ["findings"] = r.Findings, ["dismissed"] = r.Dismissed, ["dismissalRate"] = Math.Round(r.Rate, 4),
            }).ToArray());
        return json;
    }

    /// <summary>First and last run's pass rate, findings and mutation score (of the runs that tried mutants).</summary>
    private JsonObject Trends()
    {
        JsonObject Pair(Func<RunRecord, double?> value)
        {
            var values = Runs.Select(value).Where(v => v is not null).Select(v => v!.Value).ToList();
            return new JsonObject
            {
                ["first"] = values.Count == 0 ? null : Math.Round(values[0], 4),
                ["last"] = values.Count == 0 ? null : Math.Round(values[^1], 4),
                ["values"] = new JsonArray(values.Select(v => (JsonNode)Math.Round(v, 4)).ToArray()),
            };
        }
        return new JsonObject
        {
            ["passRate"] = Pair(PassRate),
            ["findings"] = Pair(r => r.Findings),
            ["mutationScore"] = Pair(r => r.MutationScore),
        };
    }

    public string Text(bool withRules)
    {
        var sb = new StringBuilder();
        sb.Append("Memory: ").AppendLine(Store);
        if (Runs.Count == 0)
        {
            sb.AppendLine("No runs recorded yet: `etl-agent run` records each run.");
            return sb.ToString();
        }
        sb.AppendLine().AppendLine("Runs (oldest first):");
        foreach (var r in Runs)
            sb.Append("  ").Append(r.Started.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).Append("  ").Append(r.Id)
              .Append("  ").Append(r.Commit is { Length: >= 8 } c ? c[..8] : r.Commit ?? "-")
              .Append($"  {r.Passed} passed, {r.Failed} failed · {r.Findings} findings")
              .Append(r.Dismissed > 0 ? $" ({r.Dismissed} dismissed)" : "")
              .Append(r.MutationScore is { } s ? $" · mutation score {s:P0}" : "")
              .Append("  ").AppendLine(r.Actor);
        var first = Runs[0];
        var last = Runs[^1];
        sb.AppendLine().AppendLine("Trends (first → last run):");
        sb.Append("  pass rate: ").Append(Percent(PassRate(first))).Append(" → ").AppendLine(Percent(PassRate(last)));
        sb.Append("  findings: ").Append(first.Findings).Append(" → ").Append(last.Findings).AppendLine();
        var scored = Runs.Where(r => r.MutationScore is not null).ToList();
        sb.Append("  mutation score: ").AppendLine(scored.Count == 0 ? "no run tried mutants"
            : $"{Percent(scored[0].MutationScore)} → {Percent(scored[^1].MutationScore)}");
        sb.AppendLine().AppendLine("Nondeterministic cases (different outcomes on the same code and input):");
        foreach (var n in Nondeterministic) sb.Append("  ").Append(n.Name).Append(": ").AppendLine(string.Join(" / ", n.Outcomes));
        if (Nondeterministic.Count == 0) sb.AppendLine("  none");
        if (withRules)
        {
            sb.AppendLine().AppendLine("Dismissals by rule (most dismissed first):");
            foreach (var r in Rules) sb.Append($"  {r.RuleId}: {r.Dismissed} of {r.Findings} dismissed ({r.Rate:P0})").AppendLine();
            if (Rules.Count == 0) sb.AppendLine("  no findings recorded");
        }
        return sb.ToString();
    }

    private static string Percent(double? v) => v is { } x ? x.ToString("P0", CultureInfo.InvariantCulture) : "-";
}
