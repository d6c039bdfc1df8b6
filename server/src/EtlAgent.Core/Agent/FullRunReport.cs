using EtlAgent.Core.Reporting;
using System.Text;
using EtlAgent.Core.Agent;

namespace EtlAgent.Core.Agent;

/// <summary>
/// A full run as text for a terminal: what was generated, every test (as `etl-agent test` prints
/// it), the findings (as `etl-agent check` prints them), where the reports are, and last the line
/// `N passed, M failed · K findings (…)`.
/// </summary>
public static class FullRunReport
{
    public static string Text(FullRunResult run)
    {
        var sb = new StringBuilder();
        sb.Append("Discovered ").Append(LineageReport.Count(run.Analysis.Transformations.Count, "transformation"))
          .Append(" in ").AppendLine(LineageReport.Count(run.Analysis.Documents.Count, "file"));
        // tSQLt's framework and the project's own tSQLt tests are test code: counted, never generated for
        if (run.Analysis.Tsqlt.Summary() is { } tsqlt) sb.AppendLine(tsqlt);
        if (run.Analysis.RestatementSummary() is { } restated) sb.AppendLine(restated);

        if (run.Selection is { } selection)
            sb.AppendLine().Append(selection.Text());

        if (run.Generated.Count > 0 || run.NotGenerated.Count > 0)
        {
            sb.AppendLine().AppendLine("Generated tests (recorded behaviour: review them):");
            foreach (var g in run.Generated)
            {
                if (g.Written && g.Result is { File: { } file } r)
                    sb.Append("  WROTE ").Append(g.Path).Append(": ").Append(LineageReport.Count(file.Cases.Count, "case"))
                      .Append(run.Analysis.FindTransformation(g.Transformation)?.Transformation is { } t && Generation.DefaultTargets.IsReadOnly(t) ? ", read-only: expects the rows it returns" : "")
                      .Append(r.Mutants > 0 ? $", {r.MutantSummary}" : "")
                      .Append(' ').Append(GenerationTime.Seconds(r.Elapsed, r.CapReached)).AppendLine();
                else
                {
                    sb.Append(g.Failed ? "  ERROR " : "  SKIP  ").Append(g.Transformation).Append(": ").Append(g.Skipped)
                      .AppendLine(run.GenerationTimes.FirstOrDefault(t => t.Transformation == g.Transformation) is { } took ? " " + GenerationTime.Seconds(took.Elapsed, took.CapReached) : "");
                    // why nothing was written: the candidates that cannot run, with the construct and where it is
                    foreach (var note in g.Result?.Notes ?? Array.Empty<string>()) sb.Append("        ").AppendLine(note);
                }
            }
            if (run.NotGenerated.Count > 0)
                sb.Append("  not generated, budget spent: ").AppendLine(string.Join(", ", run.NotGenerated));
            // seconds per procedure: what the budget buys
            if (run.GenerationTimes.Count > 0) sb.Append("  ").AppendLine(GenerationTime.Summary(run.GenerationTimes));
        }

        // every procedure left without tests, and why (not testable yet, an orchestrator, budget spent…)
        if (run.Untested.Count > 0)
        {
            sb.AppendLine().AppendLine("Procedures without tests:");
            foreach (var (name, reason) in run.Untested) sb.Append("  ").Append(name).Append(": ").AppendLine(reason);
        }

        sb.AppendLine().AppendLine("Tests:");
        foreach (var e in run.TestFileErrors)
            sb.Append("  ").Append(e.File).Append(':').Append(e.Line).Append(':').Append(e.Column).Append(": error: ").AppendLine(e.Message);
        if (run.TestFileErrors.Count > 0)
            sb.Append("  ").Append(LineageReport.Count(run.TestFileErrors.Select(e => e.File).Distinct().Count(), "test file"))
              .AppendLine(" did not load (counted as failed)");
        var tests = TestReport.Text(run.Tests).TrimEnd('\n', '\r').Split('\n');
        foreach (var line in tests.Take(tests.Length - 1)) // the last line is the run's summary, printed at the end
            sb.Append(line.Length == 0 ? "" : "  ").AppendLine(line.TrimEnd('\r'));

        if (run.RootCauses.Failures.Count > 0)
        {
            sb.AppendLine().AppendLine("Root causes:");
            foreach (var f in run.RootCauses.Failures)
            {
                sb.Append("  ").AppendLine(f.Failure.ToString());
                AnalysisReport.AppendFailure(sb, f, "    ");
            }
        }

        sb.AppendLine().AppendLine("Findings:");
        foreach (var f in run.Findings)
            sb.Append($"  {f.Location.File}:{f.Location.Range.Start.Line + 1}:{f.Location.Range.Start.Character + 1}: ")
              .AppendLine($"{f.Severity.ToString().ToLowerInvariant()} {f.RuleId}: {f.Message}");
        if (run.Findings.Count == 0) sb.AppendLine("  none");
        if (run.Dismissed > 0)
            sb.Append("  ").Append(LineageReport.Count(run.Dismissed, "dismissed finding")).AppendLine(" not shown (etl-agent history --rules)");

        sb.AppendLine().Append("Reports: ").AppendLine(string.Join(", ", run.Reports));
        if (run.MemoryProblem is { } problem) sb.Append("Memory: not used in this run: ").AppendLine(problem);
        else if (run.RunId is { } id) sb.Append("Memory: recorded as run ").Append(id).AppendLine(" (etl-agent history)");
        sb.AppendLine(run.SummaryLine);
        return sb.ToString();
    }
}
