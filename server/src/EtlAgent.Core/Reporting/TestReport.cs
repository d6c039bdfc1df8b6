using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Reporting;

/// <summary>Sandbox test results as text (for people at a terminal) and JSON (for tools).</summary>
public static class TestReport
{
    /// <summary>Rows shown per side of a diff before "… N more".</summary>
    public const int MaxRowsShown = 20;

    /// <summary>One line per case, details under each case that did not pass, and the last line `N passed, M failed`.</summary>
    public static string Text(TestRunResult run)
    {
        var sb = new StringBuilder();
        foreach (var r in run.Cases)
        {
            var tag = r.Outcome switch { TestOutcome.Passed => "PASS ", TestOutcome.Failed => "FAIL ", _ => "ERROR" };
            sb.Append(tag).Append(' ').Append(r.FullName).Append("  (").Append(Ms(r.Elapsed)).AppendLine(" ms)");
            if (r.Outcome == TestOutcome.Passed) continue;
            sb.Append("      at ").Append(r.File.Path).Append(':').Append(r.Case.Line).AppendLine();
            foreach (var f in r.Failures) AppendFailure(sb, r, f, "      ");
            if (r.Messages.Count > 0)
            {
                sb.AppendLine("      messages:");
                foreach (var m in r.Messages.Take(10)) sb.Append("        ").AppendLine(m);
                if (r.Messages.Count > 10) sb.Append("        … ").Append(r.Messages.Count - 10).AppendLine(" more");
            }
        }
        if (run.Cases.Count > 0) sb.AppendLine();
        int errors = run.Cases.Count(c => c.Outcome == TestOutcome.Error);
        sb.Append(run.Cases.Count).Append(run.Cases.Count == 1 ? " case" : " cases")
          .Append(" in ").Append(run.Cases.Select(c => c.File.Path).Distinct().Count()).Append(" files")
          .Append(string.IsNullOrEmpty(run.Sandbox) ? "" : $" on {run.Sandbox}")
          .Append(", ").Append(Ms(run.Elapsed)).Append(" ms")
          .Append(errors > 0 ? $"; {errors} could not run (counted as failed)" : "")
          .AppendLine();
        sb.Append(run.Passed).Append(" passed, ").Append(run.Failed).AppendLine(" failed");
        return sb.ToString();
    }

    /// <summary>The detail of one failure as indented text lines (also the body of a JUnit failure).</summary>
    public static string FailureText(TestCaseResult result, TestFailure failure)
    {
        var sb = new StringBuilder();
        AppendFailure(sb, result, failure, "");
        return sb.ToString();
    }

    private static void AppendFailure(StringBuilder sb, TestCaseResult r, TestFailure f, string indent)
    {
        sb.Append(indent).Append(f.Summary);
        if (f.Line > 0 && f.Line != r.Case.Line) sb.Append("  (").Append(r.File.Path).Append(':').Append(f.Line).Append(')');
        sb.AppendLine();
        switch (f)
        {
            case RowsMismatch m:
                AppendDiff(sb, m, indent + "  ");
                break;
            case ErrorMismatch { Actual: { } error }:
                AppendError(sb, error, indent + "  ");
                break;
            case SandboxFailure { Location: { } location } when !f.Summary.Contains(Place(location)):
                sb.Append(indent).Append("  at ").AppendLine(Place(location));
                break;
        }
    }

    private static void AppendError(StringBuilder sb, SandboxError e, string indent)
    {
        sb.Append(indent).Append($"Msg {e.Number}, Level {e.Severity}, State {e.State}");
        if (e.Location is { } l) sb.Append(", at ").Append(Place(l));
        sb.AppendLine();
        sb.Append(indent).Append("  ").AppendLine(e.Message);
        if (!string.IsNullOrWhiteSpace(e.Statement))
            sb.Append(indent).Append("statement: ").AppendLine(OneLine(e.Statement!, 160));
    }

    /// <summary>Width (characters) above which columns equal in every shown row are left out of a diff.</summary>
    public const int WideDiff = 150;

    private static void AppendDiff(StringBuilder sb, RowsMismatch m, string indent)
    {
        var columns = m.Diff.Columns;
        IReadOnlyList<IReadOnlyList<object?>> missing = m.Diff.Missing, unexpected = m.Diff.Unexpected;
        bool showRight = m.Match == MatchMode.Exact || m.Diff.Unexpected.Count > 0;
        var left = Grid(columns, missing);
        var right = showRight ? Grid(columns, unexpected) : new List<string>();
        if (left.Concat(right).Any() && left.Max(l => l.Length) + (right.Count == 0 ? 0 : right.Max(r => r.Length)) > WideDiff && missing.Count > 0 && unexpected.Count > 0)
        {
            // Too wide to read side by side: keep the first column (to tell rows apart) and the columns whose values differ.
            var all = missing.Concat(unexpected).ToList();
            var keep = Enumerable.Range(0, columns.Count)
                .Where(i => i == 0 || all.Select(r => RowComparison.Key(r[i], null)).Distinct().Count() > 1)
                .ToList();
            if (keep.Count < columns.Count)
            {
                var hidden = Enumerable.Range(0, columns.Count).Except(keep).Select(i => columns[i]);
                sb.Append(indent).Append("(same in every row shown, hidden: ").Append(string.Join(", ", hidden)).AppendLine(")");
                var kept = keep.Select(i => columns[i]).ToList();
                IReadOnlyList<IReadOnlyList<object?>> Project(IReadOnlyList<IReadOnlyList<object?>> rows) => rows.Select(r => (IReadOnlyList<object?>)keep.Select(i => r[i]).ToList()).ToList();
                left = Grid(kept, Project(missing));
                right = showRight ? Grid(kept, Project(unexpected)) : new List<string>();
            }
        }
        var leftTitle = "missing (expected, not found)";
        var rightTitle = m.Match == MatchMode.Exact ? "unexpected (found, not expected)" : "other rows in the table";
        int width = Math.Max(leftTitle.Length, left.Count == 0 ? 0 : left.Max(l => l.Length));
        int lines = Math.Max(left.Count, right.Count);
        sb.Append(indent).Append(leftTitle.PadRight(width)).Append("  ║  ").AppendLine(rightTitle);
        for (int i = 0; i < lines; i++)
        {
            var l = i < left.Count ? left[i] : "";
            var rt = i < right.Count ? right[i] : "";
            sb.Append((indent + l.PadRight(width) + "  ║  " + rt).TrimEnd()).AppendLine();
        }
    }

    /// <summary>A header and one line per row, columns padded to their widest value; "(none)" when empty.</summary>
    private static List<string> Grid(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<object?>> rows)
    {
        if (rows.Count == 0) return new List<string> { "(none)" };
        var shown = rows.Take(MaxRowsShown).Select(r => r.Select(Display).ToList()).ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Length, shown.Max(r => r[i].Length))).ToList();
        string Line(IReadOnlyList<string> cells) => string.Join(" │ ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        var lines = new List<string> { Line(columns) };
        lines.AddRange(shown.Select(Line));
        if (rows.Count > MaxRowsShown) lines.Add($"… {rows.Count - MaxRowsShown} more");
        return lines;
    }

    /// <summary>A value as a person reads it: NULL, ISO dates, invariant numbers, strings with edge spaces quoted.</summary>
    public static string Display(object? value) => value switch
    {
        null or DBNull => "NULL",
        string s => s.Length == 0 || s != s.Trim() ? $"'{s}'" : s,
        _ => TestValues.Format(value).Text,
    };

    private static string Place(Location l) => $"{l.File}:{l.Range.Start.Line + 1}:{l.Range.Start.Character + 1}";

    private static string OneLine(string s, int max)
    {
        var one = string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return one.Length <= max ? one : one[..(max - 1)] + "…";
    }

    private static string Ms(TimeSpan t) => ((long)Math.Round(t.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);

    public static JsonObject ToJson(TestRunResult run) => new()
    {
        ["sandbox"] = run.Sandbox,
        ["summary"] = new JsonObject
        {
            ["passed"] = run.Passed,
            ["failed"] = run.Failed,
            ["errors"] = run.Cases.Count(c => c.Outcome == TestOutcome.Error),
            ["elapsedMs"] = Math.Round(run.Elapsed.TotalMilliseconds, 1),
        },
        ["cases"] = new JsonArray(run.Cases.Select(c => (JsonNode)CaseJson(c)).ToArray()),
    };

    private static JsonObject CaseJson(TestCaseResult r) => new()
    {
        ["file"] = r.File.Path,
        ["line"] = r.Case.Line,
        ["transformation"] = r.File.Transformation,
        ["name"] = r.Case.Name,
        ["outcome"] = r.Outcome.ToString().ToLowerInvariant(),
        ["elapsedMs"] = Math.Round(r.Elapsed.TotalMilliseconds, 1),
        ["failures"] = new JsonArray(r.Failures.Select(f => (JsonNode)FailureJson(f)).ToArray()),
        ["error"] = r.Error is null ? null : ErrorJson(r.Error),
        ["messages"] = new JsonArray(r.Messages.Select(m => (JsonNode?)JsonValue.Create(m)).ToArray()),
    };

    private static JsonObject FailureJson(TestFailure f)
    {
        var o = new JsonObject
        {
            ["kind"] = f switch
            {
                RowsMismatch => "rows",
                RowCountMismatch => "rowCount",
                ErrorMismatch => "error",
                ResultShapeMismatch => "resultShape",
                _ => "sandbox",
            },
            ["summary"] = f.Summary,
            ["line"] = f.Line,
        };
        switch (f)
        {
            case RowsMismatch m:
                o["table"] = m.Table?.ToString();
                o["match"] = m.Match.ToString().ToLowerInvariant();
                o["columns"] = new JsonArray(m.Diff.Columns.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());
                o["missing"] = Rows(m.Diff.Columns, m.Diff.Missing);
                o["unexpected"] = Rows(m.Diff.Columns, m.Diff.Unexpected);
                o["expectedCount"] = m.Diff.ExpectedCount;
                o["actualCount"] = m.Diff.ActualCount;
                break;
            case RowCountMismatch c:
                o["table"] = c.Table.ToString();
                o["expected"] = c.Expected;
                o["actual"] = c.Actual;
                break;
            case ErrorMismatch e:
                o["expected"] = e.Expected is null ? null : new JsonObject { ["number"] = e.Expected.Number, ["messageContains"] = e.Expected.MessageContains };
                o["actual"] = e.Actual is null ? null : ErrorJson(e.Actual);
                break;
            case SandboxFailure s:
                o["construct"] = s.Construct;
                o["location"] = s.Location is null ? null : LocationJson(s.Location);
                break;
        }
        return o;
    }

    private static JsonArray Rows(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<object?>> rows) =>
        new(rows.Select(r =>
        {
            var o = new JsonObject();
            for (int i = 0; i < columns.Count; i++) o[columns[i]] = JsonValueOf(r[i]);
            return (JsonNode)o;
        }).ToArray());

    /// <summary>A sandbox value as JSON: numbers and booleans as such, everything else in its test-file text form.</summary>
    internal static JsonNode? JsonValueOf(object? v) => v switch
    {
        null or DBNull => null,
        bool b => JsonValue.Create(b),
        byte or short or int or long => JsonValue.Create(Convert.ToInt64(v, CultureInfo.InvariantCulture)),
        decimal d => JsonValue.Create(d),
        double d => JsonValue.Create(d),
        float f => JsonValue.Create(f),
        _ => JsonValue.Create(TestValues.Format(v).Text),
    };

    private static JsonObject ErrorJson(SandboxError e) => new()
    {
        ["number"] = e.Number,
        ["message"] = e.Message,
        ["severity"] = e.Severity,
        ["state"] = e.State,
        ["location"] = e.Location is null ? null : LocationJson(e.Location),
        ["statement"] = e.Statement,
    };

    private static JsonObject LocationJson(Location l) => new()
    {
        ["file"] = l.File,
        ["line"] = l.Range.Start.Line + 1,
        ["column"] = l.Range.Start.Character + 1,
    };
}
