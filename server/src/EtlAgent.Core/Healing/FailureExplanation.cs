using System.Text;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Healing;

/// <summary>
/// "Explain failure": a failing case as Markdown a data engineer reads — what did not hold, the
/// expected rows against the actual ones, the statement most likely responsible, and the verified
/// heals with their evidence (or that none was found).
/// </summary>
public static class FailureExplanation
{
    /// <param name="suspect">The suspect statement's file, first line and text, when known.</param>
    /// <param name="usedBase">The last green version the heals started from, described ("git HEAD~1", "last green: run …, time", "none (…)"); null: not known.</param>
    public static string Markdown(TestCaseResult failed, IReadOnlyList<HealSuggestion> heals, (string File, int Line, string Text)? suspect, string? usedBase = null)
    {
        var md = new StringBuilder();
        md.Append("## Why \"").Append(failed.Case.Name).Append("\" ").AppendLine(failed.Outcome == TestOutcome.Passed ? "passes" : "fails");
        md.AppendLine();
        md.Append("Test file `").Append(failed.File.Path).Append("`, line ").Append(failed.Case.Line)
          .Append(", transformation `").Append(failed.File.Transformation).AppendLine("`.");
        md.AppendLine();
        if (failed.Outcome == TestOutcome.Passed) md.AppendLine("The case passed in its last run.");
        foreach (var f in failed.Failures)
        {
            md.Append("### ").AppendLine(f.Summary);
            if (f is RowsMismatch m && (m.Diff.Missing.Count > 0 || m.Diff.Unexpected.Count > 0))
            {
                md.AppendLine();
                md.Append("| | ").Append(string.Join(" | ", m.Diff.Columns.Select(Cell))).AppendLine(" |");
                md.Append("|---|").Append(string.Concat(m.Diff.Columns.Select(_ => "---|"))).AppendLine();
                foreach (var row in m.Diff.Missing) md.Append("| expected, not found | ").Append(string.Join(" | ", row.Select(Value))).AppendLine(" |");
                foreach (var row in m.Diff.Unexpected) md.Append("| found, not expected | ").Append(string.Join(" | ", row.Select(Value))).AppendLine(" |");
            }
            md.AppendLine();
        }
        if (suspect is { } s)
        {
            md.Append("### Suspect statement: `").Append(s.File).Append("` line ").Append(s.Line).AppendLine();
            md.AppendLine("```sql").AppendLine(s.Text.TrimEnd()).AppendLine("```").AppendLine();
        }
        md.AppendLine("### Heals");
        if (usedBase is not null) md.Append("Base (last green version): ").AppendLine(usedBase).AppendLine();
        if (heals.Count == 0) md.AppendLine("No verified heal was found within the search budget.");
        foreach (var h in heals)
        {
            md.Append("- **").Append(h.Title).Append("** (").Append(h.Kind).Append(", ").Append(h.BugClass).Append("; ").Append(h.Verified).Append(") — id `").Append(h.Id).AppendLine("`");
            foreach (var d in h.Candidate.Diff) md.Append("  - `").Append(d).AppendLine("`");
        }
        return md.ToString();
    }

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);

    private static string Value(object? v) => v is null ? "NULL" : Cell(TestValues.Format(v).Text);
}
