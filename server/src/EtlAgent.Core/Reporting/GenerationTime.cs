using System.Globalization;
using System.Net;
using System.Text;

namespace EtlAgent.Core.Reporting;

/// <summary>
/// How long generating tests for one transformation took in a run (the candidates, the mutants,
/// the self-check and writing the file), and whether a file was written: `run` prints the seconds
/// per procedure and their mean, and the HTML report lists them, so a slow procedure is visible.
/// </summary>
public sealed record GenerationTime(string Transformation, TimeSpan Elapsed, bool Written)
{
    /// <summary>Its generation stopped at the per-transformation cap (the cases are the best found before it).</summary>
    public bool CapReached { get; init; }

    /// <summary>"generation: 12 procedures in 95.3 s, 7.9 s per procedure on average (slowest: dbo.Load 31.0 s), 2 stopped at the cap"; empty when none.</summary>
    public static string Summary(IReadOnlyList<GenerationTime> times)
    {
        if (times.Count == 0) return "";
        var total = times.Sum(t => t.Elapsed.TotalSeconds);
        var slowest = times.MaxBy(t => t.Elapsed)!;
        int capped = times.Count(t => t.CapReached);
        return string.Create(CultureInfo.InvariantCulture,
            $"generation: {Count(times.Count)} in {total:0.0} s, {total / times.Count:0.0} s per procedure on average (slowest: {slowest.Transformation} {slowest.Elapsed.TotalSeconds:0.0} s)")
            + (capped > 0 ? $", {capped} stopped at the cap" : "");
    }

    /// <summary>The seconds as the text output prints them: "(3.2 s)", and " cap reached" after them when the cap stopped its search.</summary>
    public static string Seconds(TimeSpan elapsed, bool capReached = false) =>
        string.Create(CultureInfo.InvariantCulture, $"({elapsed.TotalSeconds:0.0} s)") + (capReached ? " cap reached" : "");

    /// <summary>The report's "Generation" section: seconds per transformation, slowest first, and the mean; empty when nothing was generated.</summary>
    public static string HtmlSection(IReadOnlyList<GenerationTime> times)
    {
        if (times.Count == 0) return "";
        var sb = new StringBuilder("<section><h2>Generation</h2><p>").Append(WebUtility.HtmlEncode(Summary(times)))
            .Append(".</p><table><thead><tr><th>Transformation</th><th>Seconds</th><th>Test file</th></tr></thead><tbody>");
        foreach (var t in times.OrderByDescending(t => t.Elapsed).ThenBy(t => t.Transformation, StringComparer.OrdinalIgnoreCase))
            sb.Append("<tr><td><code>").Append(WebUtility.HtmlEncode(t.Transformation)).Append("</code></td><td>")
              .Append(t.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)).Append("</td><td>")
              .Append(t.Written ? "written" : "none").Append(t.CapReached ? " (cap reached)" : "").Append("</td></tr>");
        return sb.Append("</tbody></table></section>").ToString();
    }

    private static string Count(int n) => n == 1 ? "1 procedure" : $"{n} procedures";
}
