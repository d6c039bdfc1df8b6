using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Reporting;

/// <summary>
/// Root-cause analysis as JSON (`{"base","failures":[{"test","case","rootCause","candidates","severity","minimalInput","explanation","base"}]}`,
/// exactly these keys, lines 1-based; the evidence is told in the explanation; "base" is the last green version
/// compared with: the kind looked for at the top, what each failure found in it) and as text for a terminal.
/// </summary>
public static class AnalysisReport
{
    public static JsonObject ToJson(RootCauseReport report) => new()
    {
        ["base"] = BaseJson(report.Base),
        ["failures"] = new JsonArray(report.Failures.Select(f => (JsonNode)FailureJson(f)).ToArray()),
    };

    /// <summary>{"kind":"memory"|"git"|"none", "description", and what applies: "revision", "runId", "time", "file", "reason"}.</summary>
    public static JsonObject BaseJson(AnalysisBase b)
    {
        var o = new JsonObject { ["kind"] = b.Kind, ["description"] = b.Describe() };
        if (b.Revision is not null) o["revision"] = b.Revision;
        if (b.RunId is not null) o["runId"] = b.RunId;
        if (b.Time is { } t) o["time"] = t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (b.File is not null) o["file"] = b.File;
        if (b.Reason is not null) o["reason"] = b.Reason;
        return o;
    }

    public static JsonObject FailureJson(FailureAnalysis f) => new()
    {
        ["test"] = f.Failure.TestFile,
        ["case"] = f.Failure.Case,
        ["rootCause"] = f.RootCause is null ? null : SuspectJson(f.RootCause),
        ["candidates"] = new JsonArray(f.Candidates.Select(c => (JsonNode)SuspectJson(c)).ToArray()),
        ["severity"] = FailureSeverityNames.Id(f.Severity),
        ["minimalInput"] = MinimalInputJson(f.MinimalInput),
        ["explanation"] = f.Explanation,
        ["base"] = BaseJson(f.Base),
    };

    private static JsonObject SuspectJson(SuspectStatement s) => new()
    {
        ["file"] = s.File,
        ["line"] = s.Line,
        ["endLine"] = s.EndLine,
        ["statement"] = s.Statement,
        ["columns"] = new JsonArray(s.Columns.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
        ["class"] = s.Class,
        ["confidence"] = s.Confidence,
    };

    private static JsonObject MinimalInputJson(IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyDictionary<string, object?>>> input)
    {
        var o = new JsonObject();
        foreach (var (table, rows) in input)
            o[table] = new JsonArray(rows.Select(r =>
            {
                var row = new JsonObject();
                foreach (var (k, v) in r) row[k] = TestReport.JsonValueOf(v);
                return (JsonNode)row;
            }).ToArray());
        return o;
    }

    public static string Text(RootCauseReport report)
    {
        var sb = new StringBuilder();
        if (report.Failures.Count == 0) return "No failing case: nothing to analyse." + Environment.NewLine;
        foreach (var f in report.Failures)
        {
            sb.Append("FAIL ").Append(f.Failure).Append(" (").Append(f.Failure.TestFile).Append(':').Append(f.TestLine).Append(")  ")
              .AppendLine(FailureSeverityNames.Id(f.Severity));
            AppendFailure(sb, f, "  ");
            sb.AppendLine();
        }
        sb.Append(report.Failures.Count).Append(report.Failures.Count == 1 ? " failure" : " failures").Append(" analysed in ")
          .Append(report.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)).AppendLine(" s");
        return sb.ToString();
    }

    /// <summary>One failure's root cause, alternatives, minimal input and explanation, each line indented.</summary>
    public static void AppendFailure(StringBuilder sb, FailureAnalysis f, string indent)
    {
        if (f.RootCause is { } r)
            sb.Append(indent).Append("root cause: ").Append(Place(r)).Append("  ").Append(r.Class)
              .Append(r.Columns.Count > 0 ? $"  [{string.Join(", ", r.Columns)}]" : "")
              .Append("  confidence ").AppendLine(r.Confidence.ToString("0.00", CultureInfo.InvariantCulture))
              .Append(indent).Append("  ").AppendLine(Short(r.Statement, 110));
        else sb.Append(indent).AppendLine("root cause: not found");
        for (int i = 0; i < f.Candidates.Count; i++)
            sb.Append(indent).Append($"  alternative {i + 1}: ").Append(Place(f.Candidates[i])).Append("  ").Append(f.Candidates[i].Class)
              .Append("  confidence ").AppendLine(f.Candidates[i].Confidence.ToString("0.00", CultureInfo.InvariantCulture));
        if (f.MinimalInput.Count > 0)
        {
            sb.Append(indent).Append("minimal failing input (").Append(f.MinimalInput.Sum(t => t.Value.Count)).AppendLine(" rows):");
            foreach (var (table, rows) in f.MinimalInput)
                foreach (var row in rows)
                    sb.Append(indent).Append("  ").Append(table).Append(": {")
                      .Append(string.Join(", ", row.Select(c => $"{c.Key}: {TestReport.Display(c.Value)}"))).AppendLine("}");
        }
        sb.Append(indent).Append("base: ").AppendLine(f.Base.Describe());
        sb.Append(indent).Append("why: ").AppendLine(f.Explanation);
    }

    private static string Place(SuspectStatement s) => s.EndLine > s.Line ? $"{s.File}:{s.Line}-{s.EndLine}" : $"{s.File}:{s.Line}";

    private static string Short(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
