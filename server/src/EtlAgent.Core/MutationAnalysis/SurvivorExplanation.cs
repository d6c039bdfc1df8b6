using EtlAgent.Core.Mutation;
namespace EtlAgent.Core.MutationAnalysis;

/// <summary>
/// What a surviving mutant says about the tests, one phrasing per operator family: the change the
/// tests did not notice, and the kind of case they lack. The editor shows it on the mutated line;
/// `etl-agent mutate` prints it under the survivor.
/// </summary>
public static class SurvivorExplanation
{
    public static string Explain(Mutant m)
    {
        var original = Short(m.Original);
        var mutated = Short(m.Mutated);
        var op = m.Operator;
        string Passes(string what) => $"a test suite that passes {what} ";
        if (op.StartsWith("relational operator", StringComparison.Ordinal))
            return Passes($"with `{mutated}` here instead of `{original}`") +
                   (original is "=" or "<>" or "!=" || mutated is "=" or "<>" or "!="
                       ? "does not check this comparison: no case has values that are equal here and none that differ"
                       : "does not check this boundary: no case has values equal to (or just past) it");
        if (op.StartsWith("AND → OR", StringComparison.Ordinal) || op.StartsWith("OR → AND", StringComparison.Ordinal))
            return Passes($"with `{mutated}` here instead of `{original}`") + "does not check this combination: no case makes one side true and the other false";
        if (op.StartsWith("predicate removed", StringComparison.Ordinal))
            return Passes($"without `{original}`") + "does not check this condition: no case has a row it turns away";
        if (op.StartsWith("WHERE negated", StringComparison.Ordinal))
            return Passes("with this filter negated") + "does not check which rows the filter keeps";
        if (op.StartsWith("NOT removed", StringComparison.Ordinal))
            return Passes("without this NOT") + "does not tell the condition from its opposite";
        if (op.StartsWith("IS NULL", StringComparison.Ordinal) || op.StartsWith("IS NOT NULL", StringComparison.Ordinal))
            return Passes($"with `{mutated}` here instead of `{original}`") + "does not check NULLs here: no case has both a NULL and a value";
        if (op.Contains("JOIN", StringComparison.Ordinal))
            return Passes($"with `{mutated}` here instead of `{original}`") + "does not check this join: no case has a row without a match";
        if (op.StartsWith("join key", StringComparison.Ordinal))
            return Passes($"when joining on `{mutated}` instead of `{original}`") + "does not check the join key: no case has rows where the two columns differ";
        if (op.StartsWith("CASE branches swapped", StringComparison.Ordinal))
            return Passes("with these CASE branches swapped") + "does not check which branch a row takes: no case has rows that reach both";
        if (op.StartsWith("column replaced", StringComparison.Ordinal))
            return Passes($"with `{mutated}` here instead of `{original}`") + "does not check this column: no case has rows where the two columns hold different values";
        if (op.StartsWith("aggregate", StringComparison.Ordinal))
            return Passes($"with `{mutated}` here instead of `{original}`") + "does not check this aggregate: no case has a group of different values";
        if (op.StartsWith("DISTINCT", StringComparison.Ordinal))
            return Passes(op.EndsWith("added", StringComparison.Ordinal) ? "with DISTINCT added here" : "without this DISTINCT") + "does not check duplicates: no case has two equal rows here";
        if (op.StartsWith("ORDER BY", StringComparison.Ordinal))
            return Passes("with this order reversed") + "does not check the order: no case has rows whose order decides the result";
        if (op.StartsWith("constant", StringComparison.Ordinal))
            return Passes($"with `{mutated}` here instead of `{original}`") + "does not check this value: no case sits on it";
        if (op.Contains("fallback dropped", StringComparison.Ordinal))
            return Passes($"without the fallback of `{original}`") + "does not check NULLs here: no case has a NULL for it to replace";
        if (op.StartsWith("NULLIF", StringComparison.Ordinal))
            return Passes("without this NULLIF") + "does not check the value it turns into NULL";
        if (op.StartsWith("MERGE clause", StringComparison.Ordinal))
            return Passes("without this MERGE clause") + "does not reach it: no case has rows that take this branch";
        if (op.StartsWith("SET clause", StringComparison.Ordinal))
            return Passes($"without `{original}`") + "does not check the column it sets";
        if (op.StartsWith("statement deleted", StringComparison.Ordinal))
            return Passes($"without `{original}`") + "does not check what this statement does";
        return Passes($"with `{mutated}` here instead of `{original}`") + "does not notice the change";
    }

    /// <summary>One line, at most 60 characters: statements and clauses can be long.</summary>
    private static string Short(string text)
    {
        var line = string.Join(" ", text.Split(new[] { ' ', '\t', '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries));
        line = line.Trim(' ', ',');
        return line.Length <= 60 ? line : line[..57] + "...";
    }
}
