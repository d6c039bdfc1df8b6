using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Healing;

/// <summary>
/// ETL0120: a failing case has a verified heal — reported on the failing case in the test file
/// and, for a code heal, on the statement it edits, with the heal as the fix (its title carries
/// the evidence: cases passed, new findings).
/// </summary>
public sealed class VerifiedHealAvailable : FindingKind
{
    public static readonly RuleDescriptor Rule = new("ETL0120", "verified-heal-available", "A failing case has a verified heal", Severity.Information, "Healing",
        new RuleDoc(
            "A sandbox case fails, and a repair was found and verified in the sandbox: with it, the failing case passes, every " +
            "case that passed still passes, and no new finding at warning or above appears. Code heals come from templates per " +
            "bug class (NULL-safe comparison, the current-row filter of an SCD2 lookup, an inclusive or exclusive boundary, the " +
            "join type, the aggregate, a CAST wide enough) and from the inverse of the mutation operators on the suspect " +
            "statements; test heals re-record the expectations after an intended change (with the diff of expected rows), " +
            "update a test file to the schema, adjust the given rows a new constraint rejects (a NOT NULL value filled, a value " +
            "the CHECK accepts, a duplicate dropped, a missing parent row added) or generate a broken generated test again " +
            "(with the cases and expected rows it changes). Apply it as a quick fix in the editor, or `etl-agent heal <workspace> --apply ID` " +
            "where etl-agent.json's `heal.autoApply` allows its kind and class. \"Verified\" means the tests agree; review the " +
            "change all the same: passing the tests and restoring the intended behaviour are not the same thing.",
            """
            -- the lookup of the product dimension takes every version of the product: a sale is loaded once per version
            INSERT INTO Fact.Sale ([Sale ID], [Product Key])
            SELECT s.[Sale ID], p.[Product Key]
            FROM Staging.Sale AS s
            LEFT JOIN Dim.Product AS p
                ON p.[Product Code] = s.[Product Code];
            """,
            """
            -- Heal: add the current-row filter (verified: 3/3 cases, 0 new findings)
            INSERT INTO Fact.Sale ([Sale ID], [Product Key])
            SELECT s.[Sale ID], p.[Product Key]
            FROM Staging.Sale AS s
            LEFT JOIN Dim.Product AS p
                ON p.[Product Code] = s.[Product Code] AND p.[Valid To] = @EndOfTime;
            """));

    public override RuleDescriptor Descriptor => Rule;

    /// <summary>The heal's findings: on the failing case (line <paramref name="caseLine"/> of the test file) and, for a code heal, on the edited statement.</summary>
    public static IEnumerable<Finding> For(HealSuggestion heal, int caseLine, string? testText, string? codeText)
    {
        var fix = new[] { new Fix(heal.ActionTitle, heal.Edits, Verified: true, VerifiedBy: heal.Verified.ToString()) };
        var message = $"{(heal.Case is null ? "" : $"\"{heal.Case}\": ")}verified heal: {heal.Title} ({heal.Verified})";
        yield return new Finding(Rule.Id, Rule.DefaultSeverity, message, new Location(heal.Test, LineIndex.At(testText, Math.Max(1, caseLine))), Finding.NoRelated, fix)
        {
            Anchor = $"{heal.Id}|test",
        };
        if (heal.Kind == HealKinds.Code && heal.Edits.Count > 0 && codeText is not null)
        {
            var at = heal.Edits[0].Range.Start.Line + 1;
            var lines = new LineIndex(codeText);
            int start = lines.LineStart(at - 1), column = 1;
            while (start + column - 1 < codeText.Length && codeText[start + column - 1] is ' ' or '\t') column++;
            yield return new Finding(Rule.Id, Rule.DefaultSeverity, message, new Location(heal.File, LineIndex.At(codeText, at, column)), Finding.NoRelated, fix)
            {
                Anchor = $"{heal.Id}|code",
            };
        }
    }
}
