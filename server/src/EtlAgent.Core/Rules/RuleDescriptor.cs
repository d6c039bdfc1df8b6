using EtlAgent.Core.Model;

namespace EtlAgent.Core.Rules;

/// <summary>
/// A rule's documentation, kept in the rule's own file: what it catches, a failing example, a
/// passing example and, for rules with a fix, what the failing example becomes once fixed
/// (defaults to <see cref="Good"/>). <see cref="Schema"/> holds CREATE TABLEs the examples rely on.
/// </summary>
public sealed record RuleDoc(string Summary, string Bad, string Good, string? Fixed = null, string? Schema = null)
{
    /// <summary>The language of the examples' code blocks: T-SQL for rules, a test file (yaml) for results of runs.</summary>
    public string Language { get; init; } = "sql";

    public string FixedOrGood => Fixed ?? Good;
}

public sealed record RuleDescriptor(string Id, string Name, string Title, Severity DefaultSeverity, string Category, RuleDoc Doc)
{
    public const string DocsBase = "https://github.com/etlagentide/etlagentide/blob/main/docs/rules/";

    public string HelpUri => $"{DocsBase}{Id}.md";
}
