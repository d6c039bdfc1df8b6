using System.Text;
using EtlAgent.Core.Sandbox.Runner;

namespace EtlAgent.Core.Analysis;

/// <summary>The explanation of a failure in a data engineer's words: what went wrong, where, why we think so, what it costs.</summary>
public static class RootCauseExplanation
{
    /// <param name="note">What else the evidence showed (the first differing state), appended as a sentence.</param>
    /// <param name="compared">The last green version compared with, named in the differential evidence.</param>
    public static string Write(TestCaseResult failing, FailureShape shape, SuspectStatement? root, string evidence, string? note = null, AnalysisBase? compared = null)
    {
        var text = WriteCore(failing, shape, root, evidence);
        if (evidence == "differential" && compared is { Used: true }) text += $" Compared with {compared.Describe()}.";
        return note is null ? text : text + " " + note;
    }

    /// <summary>Where the two versions' runs first part ways, in one sentence.</summary>
    public static string Divergence(StateDivergence d) => d switch
    {
        { ControlFlow: true, Statement: { } s } => $"Run statement by statement, the two versions stop running the same statements at line {s.Line}.",
        { ControlFlow: true } => "Run statement by statement, the current version stops before the last green version does.",
        { Statement: { } s } => $"Run statement by statement on the same input, {d.Table} first differs from the last green version's after the statement at line {s.Line}"
            + (d.Columns.Count > 0 ? $" (column{(d.Columns.Count == 1 ? "" : "s")} {string.Join(", ", d.Columns)})." : $" ({d.Missing} row{(d.Missing == 1 ? "" : "s")} missing, {d.Unexpected} extra)."),
        _ => "",
    };

    private static string WriteCore(TestCaseResult failing, FailureShape shape, SuspectStatement? root, string evidence)
    {
        var sb = new StringBuilder();
        sb.Append(What(failing, shape));
        if (root is null)
        {
            sb.Append(" No statement could be singled out");
            sb.Append(failing.Outcome == TestOutcome.Error ? ": the case did not run to the end." : ".");
            return sb.ToString();
        }
        var kind = Kind(root.Statement);
        if (root.Edit is { Operator: RootCauseAnalyzer.DeletedBefore or RootCauseAnalyzer.DeletedAtEnd } gone)
        {
            var where = gone.Operator == RootCauseAnalyzer.DeletedAtEnd ? $"at the end of the procedure (line {root.Line})" : $"just before the {kind} statement at line {root.Line}";
            sb.Append(" Most likely cause: a statement deleted since the last green version, which stood ").Append(where)
              .Append(" — ").Append(BugClass.Describe(root.Class)).Append('.');
            if (root.Columns.Count > 0) sb.Append(" Column").Append(root.Columns.Count == 1 ? "" : "s").Append(": ").Append(string.Join(", ", root.Columns)).Append('.');
            sb.Append(" The deleted statement was '").Append(Short(gone.Replacement, 240)).Append("'; putting it back alone makes the case pass.");
            return sb.ToString().Trim();
        }
        sb.Append(' ').Append(root.Class switch
        {
            BugClass.TestDataInvalid => $"The test's given rows are the problem, not the code: {failing.Failures.OfType<SandboxFailure>().FirstOrDefault()?.Message}",
            BugClass.UnsupportedConstruct => $"The sandbox cannot run the statement at line {root.Line} faithfully, so the case says nothing about the code.",
            _ => $"Most likely cause: the {kind} statement at lines {root.Line}-{root.EndLine} — {BugClass.Describe(root.Class)}.",
        });
        if (root.Columns.Count > 0 && root.Class is not (BugClass.TestDataInvalid or BugClass.UnsupportedConstruct))
            sb.Append(" Column").Append(root.Columns.Count == 1 ? "" : "s").Append(": ").Append(string.Join(", ", root.Columns)).Append('.');
        sb.Append(' ').Append(evidence switch
        {
            "differential" => root.Edit is { } e
                ? $"This statement changed since the last green version ('{Short(e.Original)}' was '{Short(e.Replacement)}'), and putting its old text back alone makes the case pass."
                : "This statement changed since the last green version.",
            "mutation" => root.Edit is { } m
                ? $"Changing '{Short(m.Original)}' to '{Short(m.Replacement)}' in it makes the case pass{(root.Confidence >= 0.8 ? " without breaking the cases that pass now" : "")}; no edit elsewhere does as well."
                : "Edits to this statement bring the case closest to passing.",
            "error" => "The call's error was raised here.",
            "lineage" => "It writes the table and columns that differ; no single edit made the case pass, so this ranking rests on lineage and coverage only.",
            _ => "",
        });
        return sb.ToString().Trim();
    }

    private static string What(TestCaseResult failing, FailureShape shape)
    {
        if (shape.Error is { } e && failing.Case.Expect.Error is null) return $"The load stopped with error {e.Number} ({e.Message}).";
        var parts = new List<string>();
        if (shape.Duplicated) parts.Add("rows are duplicated");
        else if (shape.RowsLost && shape.Unexpected == 0) parts.Add($"{shape.Missing} expected row{(shape.Missing == 1 ? " is" : "s are")} missing");
        else if (shape.RowsAdded && shape.Missing == 0) parts.Add($"{shape.Unexpected} row{(shape.Unexpected == 1 ? " was" : "s were")} written that should not be");
        else if (shape.Missing > 0) parts.Add($"{shape.Missing} row{(shape.Missing == 1 ? "" : "s")} came out with wrong values{(shape.DifferingColumns.Count > 0 ? $" in {string.Join(", ", shape.DifferingColumns)}" : "")}");
        if (parts.Count == 0) return failing.Failures.FirstOrDefault()?.Summary is { } s ? s[..1].ToUpperInvariant() + s[1..] + "." : "The case failed.";
        var tables = shape.Tables.Count > 0 ? $" in {string.Join(", ", shape.Tables)}" : "";
        var text = string.Join("; ", parts) + tables + ", and the load reported no error: silent data corruption.";
        return char.ToUpperInvariant(text[0]) + text[1..];
    }

    /// <summary>What the statement does, by its leading keywords (a CTE's WITH is skipped to the statement it feeds).</summary>
    private static string Kind(string statement)
    {
        var s = statement.TrimStart();
        if (s.StartsWith("WITH", StringComparison.OrdinalIgnoreCase))
        {
            var m = System.Text.RegularExpressions.Regex.Match(s, @"\)\s*(SELECT|INSERT|UPDATE|DELETE|MERGE)\b(?![\s\S]*\)\s*(SELECT|INSERT|UPDATE|DELETE|MERGE)\b)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
            if (m.Success) s = s[(m.Index + 1)..].TrimStart();
        }
        var word = s.Split(' ', 2)[0].ToUpperInvariant();
        return word == "SELECT" && System.Text.RegularExpressions.Regex.IsMatch(s, @"\bINTO\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase) ? "SELECT … INTO" : word;
    }

    private static string Short(string s, int max = 60)
    {
        var t = StatementIndex.Collapse(s);
        return t.Length <= max ? t : t[..(max - 3)] + "...";
    }
}
