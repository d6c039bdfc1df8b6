using System.Reflection;
using System.Text.RegularExpressions;

namespace EtlAgent.Core.Rules;

/// <summary>The rule catalog, built from the rule and finding-kind types themselves (no hand-kept list).</summary>
public static class RuleRegistry
{
    private static readonly Lazy<IReadOnlyList<FindingKind>> _kinds = new(Discover);
    private static readonly Lazy<IReadOnlyList<Rule>> _rules = new(() => _kinds.Value.OfType<Rule>().ToList());

    /// <summary>The static rules: what `etl-agent check` runs.</summary>
    public static IReadOnlyList<Rule> All => _rules.Value;

    /// <summary>Every kind of finding a user can see: the rules and the results of runs, each with its documentation page.</summary>
    public static IReadOnlyList<FindingKind> Kinds => _kinds.Value;

    public static Rule? Find(string id) => All.FirstOrDefault(r => string.Equals(r.Id, id, StringComparison.OrdinalIgnoreCase));

    public static FindingKind? FindKind(string id) => Kinds.FirstOrDefault(r => string.Equals(r.Id, id, StringComparison.OrdinalIgnoreCase));

    private static IReadOnlyList<FindingKind> Discover()
    {
        var rules = typeof(FindingKind).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(FindingKind).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (FindingKind)Activator.CreateInstance(t)!)
            .OrderBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
        var bad = rules.FirstOrDefault(r => !Regex.IsMatch(r.Id, "^ETL[0-9]{4}$"));
        if (bad is not null) throw new InvalidOperationException($"Rule {bad.GetType().Name} has id '{bad.Id}', not ETL + 4 digits.");
        var dup = rules.GroupBy(r => r.Id).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new InvalidOperationException($"Rule id {dup.Key} is declared by {string.Join(", ", dup.Select(r => r.GetType().Name))}.");
        return rules;
    }
}
