using System.Text.RegularExpressions;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// Names that mark a table as reference data: a word of the name (split at underscores, spaces and
/// case changes) is code, codeset, lookup, lkp, ref, reference, metadata, config, configuration or
/// setting. Code lists, lookups and settings change by deployment or by hand, rarely while a load
/// reads them; ETL0010 uses the name only together with the workspace's writes (no module writes it).
/// </summary>
public static class ReferenceTableNames
{
    private static readonly HashSet<string> Marks = new(StringComparer.OrdinalIgnoreCase)
    {
        "code", "codes", "codeset", "codesets", "lookup", "lookups", "lkp", "ref", "reference", "references",
        "metadata", "config", "configuration", "setting", "settings",
    };

    // a word: a capitalised or lower-case run, an all-capitals run not followed by lower case, or digits
    private static readonly Regex Word = new("[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+", RegexOptions.CultureInvariant);

    /// <summary>Whether the object's own name (schema and database aside) has a reference-data word.</summary>
    public static bool IsReference(QualifiedName name) =>
        Word.Matches(name.Name).Any(m => Marks.Contains(m.Value)) ||
        name.Name.Split('_', ' ', '-').Any(Marks.Contains);
}
