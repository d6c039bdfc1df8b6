using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Analysis;

/// <summary>ETL0110: the statement root-cause analysis holds responsible for a failing case, reported on the statement.</summary>
public sealed class RootCauseFinding : FindingKind
{
    public static readonly RuleDescriptor Rule = new("ETL0110", "failure-root-cause", "Root cause of a failing test case", Severity.Warning, "Testing",
        new RuleDoc(
            "A sandbox test case fails (ETL0100) and root-cause analysis points at this statement: the statement whose old text " +
            "restores the case (against a last green version: the memory's, kept when all the transformation's cases last passed in a run, " +
            "or a git revision given with `--base`), or the statement where a single small edit turns " +
            "the case green without breaking the cases that pass (mutation-based localisation), or, failing both, the statement that " +
            "writes the differing columns. The message names the bug class, the columns and the confidence; related information " +
            "points at the failing case. Run `etl-agent analyze <workspace>` for the ranked alternatives, the minimal failing input " +
            "and the explanation.",
            """
            -- tests/etl/Dim.LoadCustomer.etltest.yaml › "first load starts after the go-live date" fails:
            -- a row modified exactly at the cut-off is loaded twice (boundary-off-by-one)
            SELECT s.[Customer Code] FROM Staging.Customer AS s
            WHERE s.[Last Modified] >= @LastCutoff AND s.[Last Modified] <= @NewCutoff;
            """,
            """
            -- (last cut-off, new cut-off]: a row at the last cut-off was loaded by the previous run
            SELECT s.[Customer Code] FROM Staging.Customer AS s
            WHERE s.[Last Modified] > @LastCutoff AND s.[Last Modified] <= @NewCutoff;
            """));

    public override RuleDescriptor Descriptor => Rule;

    /// <summary>The finding on the root-cause statement of <paramref name="analysis"/>, when it is in code (<paramref name="text"/>: that file's text).</summary>
    public static Finding? For(FailureAnalysis analysis, string? text)
    {
        if (analysis.RootCause is not { } root || root.Class is BugClass.TestDataInvalid) return null;
        var range = text is not null && root.Start >= 0 && root.Start + root.Length <= text.Length
            ? new LineIndex(text).Range(root.Start, root.Start + root.Length)
            : LineIndex.At(text, root.Line);
        var columns = root.Columns.Count > 0 ? $" ({string.Join(", ", root.Columns)})" : "";
        var message = $"root cause of failing case \"{analysis.Failure.Case}\": {root.Class}{columns}, confidence {root.Confidence:0.00}. {analysis.Explanation}";
        var related = new[] { new RelatedLocation(new Location(analysis.Failure.TestFile, LineIndex.At(null, Math.Max(1, analysis.TestLine))), $"failing case: {analysis.Failure.Case}") };
        return new Finding(Rule.Id, Rule.DefaultSeverity, message, new Location(root.File, range), related, Finding.NoFixes)
        {
            Anchor = $"{analysis.Failure.Transformation}|{analysis.Failure.Case}|{root.Class}|{FindingFingerprint.Normalize(root.Statement)}",
        };
    }
}
