using System.Text;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// Collects the outcomes of the cases a run executed and writes conformance-report.txt next to the
/// test binary (pass rate per file, gaps, failures) once the suite's cases are done.
/// </summary>
public sealed class ConformanceReport : IDisposable
{
    private readonly List<(ConformanceCase Case, ConformanceOutcome Outcome, string? Message)> _results = new();

    public void Record(ConformanceCase c, ConformanceOutcome outcome, string? message)
    {
        lock (_results) _results.Add((c, outcome, message));
    }

    public string Text()
    {
        lock (_results)
        {
            var ordered = _results.OrderBy(r => r.Case.File, StringComparer.Ordinal).ThenBy(r => r.Case.Line).ToList();
            int passed = ordered.Count(r => r.Outcome == ConformanceOutcome.Passed);
            var report = new StringBuilder();
            report.AppendLine($"Conformance: {passed}/{ordered.Count} passed ({(ordered.Count == 0 ? 0 : 100.0 * passed / ordered.Count):F1}%), "
                + $"{ordered.Count(r => r.Outcome == ConformanceOutcome.KnownGap)} known gaps, {ordered.Count(r => r.Outcome == ConformanceOutcome.Failed)} failures");
            foreach (var file in ordered.GroupBy(r => r.Case.File))
                report.AppendLine($"  {file.Key,-22} {file.Count(r => r.Outcome == ConformanceOutcome.Passed)}/{file.Count()}");
            foreach (var r in ordered.Where(r => r.Outcome == ConformanceOutcome.KnownGap))
                report.AppendLine($"  gap  {r.Case.File}:{r.Case.Line} {r.Case.Name}: {r.Message}");
            foreach (var r in ordered.Where(r => r.Outcome == ConformanceOutcome.Failed))
                report.AppendLine($"  FAIL {r.Message}");
            return report.ToString();
        }
    }

    public void Dispose() => File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "conformance-report.txt"), Text());
}
