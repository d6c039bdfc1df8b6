using System.Globalization;
using System.Net;
using System.Text;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Impact;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Reporting;

/// <summary>One earlier run, for the trends (from the memory store when there is one).</summary>
public sealed record RunTrendPoint(DateTime Started, int Passed, int Failed, int Findings, double? MutationScore = null);

/// <summary>What a run report shows; the full run fills it.</summary>
public sealed record RunReportData(
    string Title,
    DateTime Timestamp,
    IReadOnlyList<Transformation> Transformations,
    TestRunResult Tests,
    IReadOnlyList<TestFileError> TestFileErrors,
    IReadOnlyList<Finding> Findings,
    /// <summary>Procedures without tests after the run, with why.</summary>
    IReadOnlyList<(string Transformation, string Reason)> Untested)
{
    /// <summary>Test files written by this run's generation.</summary>
    public IReadOnlyList<string> Generated { get; init; } = Array.Empty<string>();

    /// <summary>With --changed-since: what was selected and why.</summary>
    public TestSelection? Selection { get; init; }

    /// <summary>Earlier runs, oldest first; empty: no trends section.</summary>
    public IReadOnlyList<RunTrendPoint> History { get; init; } = Array.Empty<RunTrendPoint>();

    /// <summary>The root causes of the failing cases, shown under each failure (empty: none were analysed).</summary>
    public RootCauseReport RootCauses { get; init; } = RootCauseReport.Empty;

    /// <summary>Seconds of generation per transformation generated for in the run; empty: no "Generation" section.</summary>
    public IReadOnlyList<GenerationTime> GenerationTimes { get; init; } = Array.Empty<GenerationTime>();
}

/// <summary>
/// The run report people open: `.etl-agent/reports/index.html`, one self-contained page (inline CSS
/// and SVG, no script, nothing fetched): the pipelines as a picture coloured by status, a table of
/// transformations with their tests, the failures with what went wrong, the findings, and the trends
/// when a history is given.
/// </summary>
public static class HtmlRunReport
{
    public const string File = ".etl-agent/reports/index.html";

    /// <summary>Status of a transformation in the picture and the table.</summary>
    public static string Status(RunReportData data, string transformation)
    {
        var cases = data.Tests.Cases.Where(c => TestFileOutline.NameComparer.Equals(c.File.Transformation, transformation)).ToList();
        if (cases.Any(c => c.Outcome != TestOutcome.Passed)) return "failed";
        if (cases.Count > 0) return "passed";
        if (data.Selection is { } s && !s.Affects(transformation)) return "unaffected";
        return "untested";
    }

    public static string Write(RunReportData data)
    {
        var sb = new StringBuilder();
        int failed = data.Tests.Failed + data.TestFileErrors.Select(e => e.File).Distinct().Count();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
          .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
          .Append("<title>").Append(E(data.Title)).Append(" · ETL Agent run</title><style>").Append(Css).Append("</style></head><body>");
        sb.Append("<header><h1>").Append(E(data.Title)).Append("</h1><p class=\"when\">Run of ")
          .Append(E(data.Timestamp.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))).Append(" · sandbox: ").Append(E(data.Tests.Sandbox)).Append("</p>");
        sb.Append("<div class=\"tiles\">")
          .Append(Tile("passed", data.Tests.Passed, "passed")).Append(Tile(failed > 0 ? "failed" : "zero", failed, "failed"))
          .Append(Tile("findings", data.Findings.Count, "findings")).Append(Tile("untested", data.Untested.Count, "without tests"))
          .Append(Tile("generated", data.Generated.Count, "tests generated")).Append("</div></header><main>");

        if (data.Selection is { } selection)
        {
            sb.Append("<section><h2>Changed since ").Append(E(selection.Reference)).Append("</h2><p>")
              .Append(selection.ChangedFiles.Count).Append(" changed files; ").Append(selection.Transformations.Count)
              .Append(" affected transformations; ").Append(selection.Tests.Count).Append(" test files selected.</p><ul>");
            foreach (var t in selection.Tests)
                sb.Append("<li><code>").Append(E(t.Path)).Append("</code>: ").Append(E(string.Join("; ", t.Reasons.Select(r => r.Text)))).Append("</li>");
            sb.Append("</ul></section>");
        }

        sb.Append("<section><h2>Pipelines</h2><p class=\"legend\"><span class=\"key passed\"></span>tests pass <span class=\"key failed\"></span>a test fails ")
          .Append("<span class=\"key untested\"></span>no tests <span class=\"key unaffected\"></span>not affected by the change · solid: reads what the other writes · dashed: runs the other</p><div class=\"scroll\">")
          .Append(PipelineGraph.Svg(data.Transformations, n => Status(data, n), n => "#t-" + Anchor(n)))
          .Append("</div></section>");

        sb.Append("<section><h2>Transformations</h2><table><thead><tr><th>Transformation</th><th>Kind</th><th>Status</th><th>Cases</th><th>Reads</th><th>Writes</th></tr></thead><tbody>");
        foreach (var t in data.Transformations.OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase))
        {
            var status = Status(data, t.Name);
            var cases = data.Tests.Cases.Where(c => TestFileOutline.NameComparer.Equals(c.File.Transformation, t.Name)).ToList();
            var note = data.Untested.FirstOrDefault(u => string.Equals(u.Transformation, t.Name, StringComparison.OrdinalIgnoreCase)).Reason;
            sb.Append("<tr id=\"t-").Append(Anchor(t.Name)).Append("\"><td><code>").Append(E(t.Name)).Append("</code><div class=\"file\">").Append(E(t.File)).Append("</div></td><td>")
              .Append(t.Kind.ToString().ToLowerInvariant()).Append("</td><td><span class=\"badge ").Append(status).Append("\">").Append(status).Append("</span>")
              .Append(note is null ? "" : $"<div class=\"note\">{E(note)}</div>").Append("</td><td>")
              .Append(cases.Count == 0 ? "" : $"{cases.Count(c => c.Outcome == TestOutcome.Passed)}/{cases.Count}").Append("</td><td>")
              .Append(E(string.Join(", ", t.Reads))).Append("</td><td>").Append(E(string.Join(", ", t.Writes))).Append("</td></tr>");
        }
        sb.Append("</tbody></table></section>");

        sb.Append(GenerationTime.HtmlSection(data.GenerationTimes));

        sb.Append("<section><h2>Failures</h2>");
        var failures = data.Tests.Cases.Where(c => c.Outcome != TestOutcome.Passed).ToList();
        if (failures.Count == 0 && data.TestFileErrors.Count == 0) sb.Append("<p class=\"none\">None: every case passed.</p>");
        foreach (var e in data.TestFileErrors)
            sb.Append("<article class=\"failure\"><h3>").Append(E($"{e.File}:{e.Line}:{e.Column}")).Append(" did not load</h3><pre>").Append(E(e.Message)).Append("</pre></article>");
        foreach (var c in failures)
        {
            sb.Append("<article class=\"failure\"><h3>").Append(E(c.FullName)).Append(" <span class=\"badge failed\">").Append(c.Outcome.ToString().ToLowerInvariant())
              .Append("</span></h3><div class=\"file\">").Append(E($"{c.File.Path}:{c.Case.Line}")).Append("</div>");
            foreach (var f in c.Failures) sb.Append("<pre>").Append(E(TestReport.FailureText(c, f))).Append("</pre>");
            if (c.Error is { } error && c.Failures.Count == 0) sb.Append("<pre>").Append(E($"error {error.Number}: {error.Message}")).Append("</pre>");
            if (data.RootCauses.Failures.FirstOrDefault(a => a.Failure.TestFile == c.File.Path && a.Failure.Case == c.Case.Name) is { RootCause: { } cause } analysis)
                sb.Append("<div class=\"cause\"><b>Root cause</b> (").Append(E(cause.Class)).Append(", ").Append(E(analysis.Severity.ToString())).Append("): ")
                  .Append(E($"{cause.File}:{cause.Line}")).Append(cause.Columns.Count > 0 ? " — " + E(string.Join(", ", cause.Columns)) : "")
                  .Append("<p>").Append(E(analysis.Explanation)).Append("</p></div>");
            if (c.Messages.Count > 0) sb.Append("<details><summary>messages</summary><pre>").Append(E(string.Join("\n", c.Messages))).Append("</pre></details>");
            sb.Append("</article>");
        }
        sb.Append("</section>");

        sb.Append("<section><h2>Findings</h2>");
        if (data.Findings.Count == 0) sb.Append("<p class=\"none\">None.</p>");
        else
        {
            sb.Append("<table><thead><tr><th>Severity</th><th>Rule</th><th>Where</th><th>Message</th></tr></thead><tbody>");
            foreach (var f in data.Findings)
                sb.Append("<tr><td><span class=\"badge ").Append(f.Severity.ToString().ToLowerInvariant()).Append("\">").Append(f.Severity.ToString().ToLowerInvariant())
                  .Append("</span></td><td>").Append(E(f.RuleId)).Append("</td><td><code>").Append(E($"{f.Location.File}:{f.Location.Range.Start.Line + 1}"))
                  .Append("</code></td><td>").Append(E(f.Message)).Append("</td></tr>");
            sb.Append("</tbody></table>");
        }
        sb.Append("</section>");

        if (data.History.Count > 0) sb.Append(Trends(data));
        sb.Append("</main><footer>etl-agent · self-contained report: nothing here is fetched from the network</footer></body></html>\n");
        return sb.ToString();
    }

    private static string Trends(RunReportData data)
    {
        var points = data.History.Append(new RunTrendPoint(data.Timestamp, data.Tests.Passed, data.Tests.Failed + data.TestFileErrors.Count, data.Findings.Count)).ToList();
        const int w = 560, h = 140, pad = 24;
        string Line(Func<RunTrendPoint, double> value, string css)
        {
            double max = Math.Max(1, points.Max(value));
            var coords = points.Select((p, i) => FormattableString.Invariant($"{pad + (points.Count == 1 ? 0 : i * (w - 2 * pad) / (double)(points.Count - 1)):0.#},{h - pad - value(p) / max * (h - 2 * pad):0.#}"));
            return $"<polyline class=\"{css}\" points=\"{string.Join(' ', coords)}\"/>";
        }
        var sb = new StringBuilder("<section><h2>Trends</h2><p class=\"legend\"><span class=\"key passed\"></span>pass rate <span class=\"key findings\"></span>findings</p>");
        sb.Append(CultureInfo.InvariantCulture, $"<svg class=\"trend\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"trends\">")
          .Append(Line(p => p.Passed + p.Failed == 0 ? 0 : (double)p.Passed / (p.Passed + p.Failed), "passrate"))
          .Append(Line(p => p.Findings, "findingsline")).Append("</svg><table><thead><tr><th>Run</th><th>Passed</th><th>Failed</th><th>Findings</th><th>Mutation score</th></tr></thead><tbody>");
        foreach (var p in points.AsEnumerable().Reverse())
            sb.Append("<tr><td>").Append(E(p.Started.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))).Append("</td><td>").Append(p.Passed).Append("</td><td>").Append(p.Failed)
              .Append("</td><td>").Append(p.Findings).Append("</td><td>").Append(p.MutationScore is { } m ? m.ToString("0.#%", CultureInfo.InvariantCulture) : "").Append("</td></tr>");
        return sb.Append("</tbody></table></section>").ToString();
    }

    private static string Tile(string css, int value, string label) =>
        $"<div class=\"tile {css}\"><div class=\"value\">{value}</div><div class=\"label\">{E(label)}</div></div>";

    private static string Anchor(string name) => new(name.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private const string Css = """
        :root{--ok:#1f883d;--bad:#cf222e;--muted:#6e7781;--bg:#f6f8fa;--line:#d0d7de}
        body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1f2328;background:#fff}
        header{padding:20px 28px;background:var(--bg);border-bottom:1px solid var(--line)}h1{margin:0;font-size:22px}
        .when{color:var(--muted);margin:4px 0 12px}main{padding:8px 28px 28px}h2{font-size:17px;margin:24px 0 8px}
        .tiles{display:flex;gap:12px;flex-wrap:wrap}.tile{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 16px;min-width:92px}
        .tile .value{font-size:24px;font-weight:600}.tile .label{color:var(--muted)}.tile.passed .value{color:var(--ok)}.tile.failed .value{color:var(--bad)}
        table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
        th{background:var(--bg);font-weight:600}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}.file,.note{color:var(--muted);font-size:12px}
        .badge{border-radius:10px;padding:1px 8px;font-size:12px;color:#fff;background:var(--muted)}.badge.passed{background:var(--ok)}
        .badge.failed,.badge.error{background:var(--bad)}.badge.warning{background:#9a6700}.badge.information,.badge.unaffected{background:#8c959f}
        .scroll{overflow:auto;border:1px solid var(--line);border-radius:8px;background:#fff}
        .dag .node rect{fill:#eaeef2;stroke:#8c959f}.dag .node.passed rect{fill:#dafbe1;stroke:var(--ok)}.dag .node.failed rect{fill:#ffebe9;stroke:var(--bad);stroke-width:2}
        .dag .node.unaffected rect{fill:#fff;stroke:#d0d7de;stroke-dasharray:3 2}.dag text{font:12px ui-monospace,Menlo,monospace;fill:#1f2328}
        .dag .edge{fill:none;stroke:#7a869a;stroke-width:1.2;opacity:.75}.dag .edge.runs{stroke-dasharray:5 4}
        .legend{color:var(--muted)}.key{display:inline-block;width:12px;height:12px;border-radius:3px;margin:0 4px 0 10px;vertical-align:-2px;background:#eaeef2;border:1px solid #8c959f}
        .key.passed{background:#dafbe1;border-color:var(--ok)}.key.failed{background:#ffebe9;border-color:var(--bad)}.key.unaffected{background:#fff}.key.findings{background:#9a6700}
        .failure{border:1px solid #ffcecb;background:#fff8f7;border-radius:8px;padding:8px 14px;margin:8px 0}.failure h3{margin:4px 0;font-size:14px}.cause{border-left:3px solid #cf222e;padding:4px 10px;margin:6px 0;background:#fff}.cause p{margin:4px 0}
        pre{white-space:pre-wrap;background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px;font-size:12px}
        .trend polyline{fill:none;stroke-width:2}.trend .passrate{stroke:var(--ok)}.trend .findingsline{stroke:#9a6700}.none{color:var(--muted)}
        footer{color:var(--muted);font-size:12px;padding:12px 28px;border-top:1px solid var(--line)}
        """;
}
