using System.Reflection;
using System.Text.RegularExpressions;

namespace EtlAgent.Core.Rules;

/// <summary>The rule catalog, built from the rule types themselves (no hand-kept list).</summary>
public static class RuleRegistry
{
    private static readonly Lazy<IReadOnlyList<Rule>> _all = new(Discover);

    public static IReadOnlyList<Rule> All => _all.Value;

    public static Rule? Find(string id) => All.FirstOrDefault(r => string.Equals(r.Id, id, StringComparison.OrdinalIgnoreCase));

    private static IReadOnlyList<Rule> Discover()
    {
        var rules = typeof(Rule).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(Rule).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (Rule)Activator.CreateInstance(t)!)
            .OrderBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
        var bad = rules.FirstOrDefault(r => !Regex.IsMatch(r.Id, "^ETL[0-9]{4}$"));
        if (bad is not null) throw new InvalidOperationException($"Rule {bad.GetType().Name} has id '{bad.Id}', not ETL + 4 digits.");
        var dup = rules.GroupBy(r => r.Id).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new InvalidOperationException($"Rule id {dup.Key} is declared by {string.Join(", ", dup.Select(r => r.GetType().Name))}.");
        return rules;
    }
}
