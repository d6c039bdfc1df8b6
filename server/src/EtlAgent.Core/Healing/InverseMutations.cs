using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Healing;

/// <summary>
/// The inverse-mutation search: the project's mutation operators applied to the suspect statements
/// as candidate fixes. A fault that is one small edit away from the intended code (a flipped
/// operator, a swapped join type or key, a dropped fallback) is undone by the mutant that makes
/// the opposite edit. Deleting statements is no repair, so those operators are left out.
/// </summary>
public static class InverseMutations
{
    public static IReadOnlyList<RepairCandidate> For(TransformationAnalysis t, SchemaCatalog catalog, IReadOnlyList<SuspectStatement> suspects)
    {
        if (!t.HasSyntax) return Array.Empty<RepairCandidate>();
        var text = t.Document.Text;
        var lines = new LineIndex(text);
        var mutants = MutantGenerator.Generate(t, catalog)
            .Where(m => m.Operator is not ("statement deleted" or "MERGE clause deleted" or "SET clause deleted" or "WHERE negated"))
            .ToList();
        var result = new List<RepairCandidate>();
        // suspect by suspect, best first, so the budget is spent where the fault most likely is
        foreach (var s in suspects.Where(s => s.File == t.Transformation.File))
            foreach (var m in mutants.Where(m => s.Contains(m.Start, m.Length)))
            {
                var edit = new Model.TextEdit(t.Transformation.File, lines.Range(m.Start, m.Start + m.Length), m.Mutated);
                result.Add(new RepairCandidate(HealKinds.Code, ClassOf(m.Operator), $"{Describe(m.Operator)}: {Short(m.Original)} → {Short(m.Mutated)}", new[] { edit }, "inverse-mutation"));
            }
        return result.DistinctBy(c => (c.Edits[0].Range.StartOffset, c.Edits[0].Range.EndOffset, c.Edits[0].NewText)).ToList();
    }

    /// <summary>The bug class a mutation operator's inverse repairs.</summary>
    public static string ClassOf(string op) => op switch
    {
        _ when op.StartsWith("relational operator", StringComparison.Ordinal) && IsBoundary(op) => HealClasses.Boundary,
        _ when op.StartsWith("relational operator", StringComparison.Ordinal) => HealClasses.Filter,
        _ when op.Contains("JOIN", StringComparison.Ordinal) => HealClasses.JoinType,
        _ when op.StartsWith("aggregate", StringComparison.Ordinal) => HealClasses.WrongAggregate,
        "join key replaced" or "column replaced" => HealClasses.WrongKey,
        _ when op.Contains("fallback dropped", StringComparison.Ordinal) || op == "NULLIF removed" => HealClasses.NullPropagation,
        _ when op.Contains("NULL", StringComparison.Ordinal) => HealClasses.NullUnsafeComparison,
        "constant + 1" or "constant - 1" => HealClasses.Boundary,
        "AND → OR" or "OR → AND" or "predicate removed" or "NOT removed" or "DISTINCT removed" or "DISTINCT added" => HealClasses.Filter,
        _ => HealClasses.Expression,
    };

    private static bool IsBoundary(string op) =>
        op.EndsWith("< → <=", StringComparison.Ordinal) || op.EndsWith("<= → <", StringComparison.Ordinal) ||
        op.EndsWith("> → >=", StringComparison.Ordinal) || op.EndsWith(">= → >", StringComparison.Ordinal);

    private static string Describe(string op) => op switch
    {
        "join key replaced" => "join on the other key",
        "column replaced" => "take the other column",
        "predicate removed" => "drop the condition",
        _ => op.StartsWith("relational operator", StringComparison.Ordinal) ? "change the comparison" : op,
    };

    private static string Short(string code)
    {
        var s = System.Text.RegularExpressions.Regex.Replace(code, @"\s+", " ").Trim();
        return s.Length == 0 ? "(nothing)" : s.Length <= 40 ? s : s[..37] + "…";
    }
}
