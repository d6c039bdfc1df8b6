using System.Globalization;
using System.Text;
using System.Xml;
using EtlAgent.Core.Sandbox.Runner;

namespace EtlAgent.Core.Reporting;

/// <summary>
/// Sandbox test results as JUnit XML, the format CI systems read (GitHub Actions reporters, Azure
/// DevOps PublishTestResults, Jenkins, GitLab): one &lt;testsuite&gt; per test file, one
/// &lt;testcase&gt; per case; a failed expectation is a &lt;failure&gt;, a case the sandbox could not
/// run is an &lt;error&gt;. Times are in seconds.
/// </summary>
public static class JUnitReport
{
    public static string Write(TestRunResult run, DateTime? timestamp = null)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using var stream = new MemoryStream();
        using (var w = XmlWriter.Create(stream, settings))
        {
            w.WriteStartDocument();
            w.WriteStartElement("testsuites");
            w.WriteAttributeString("name", "etl-agent test");
            w.WriteAttributeString("tests", Int(run.Cases.Count));
            w.WriteAttributeString("failures", Int(run.Cases.Count(c => c.Outcome == TestOutcome.Failed)));
            w.WriteAttributeString("errors", Int(run.Cases.Count(c => c.Outcome == TestOutcome.Error)));
            w.WriteAttributeString("time", Seconds(run.Elapsed));
            int id = 0;
            foreach (var suite in run.Cases.GroupBy(c => c.File.Path))
            {
                var cases = suite.ToList();
                w.WriteStartElement("testsuite");
                w.WriteAttributeString("name", cases[0].File.Transformation);
                w.WriteAttributeString("id", Int(id++));
                w.WriteAttributeString("tests", Int(cases.Count));
                w.WriteAttributeString("failures", Int(cases.Count(c => c.Outcome == TestOutcome.Failed)));
                w.WriteAttributeString("errors", Int(cases.Count(c => c.Outcome == TestOutcome.Error)));
                w.WriteAttributeString("skipped", "0");
                w.WriteAttributeString("time", Seconds(TimeSpan.FromTicks(cases.Sum(c => c.Elapsed.Ticks))));
                if (timestamp is { } ts) w.WriteAttributeString("timestamp", ts.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
                w.WriteAttributeString("file", suite.Key);
                if (!string.IsNullOrEmpty(run.Sandbox))
                {
                    w.WriteStartElement("properties");
                    w.WriteStartElement("property");
                    w.WriteAttributeString("name", "sandbox");
                    w.WriteAttributeString("value", run.Sandbox);
                    w.WriteEndElement();
                    w.WriteEndElement();
                }
                foreach (var c in cases) WriteCase(w, c);
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteEndDocument();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteCase(XmlWriter w, TestCaseResult r)
    {
        w.WriteStartElement("testcase");
        w.WriteAttributeString("name", Clean(r.Case.Name));
        w.WriteAttributeString("classname", r.File.Transformation);
        w.WriteAttributeString("time", Seconds(r.Elapsed));
        w.WriteAttributeString("file", r.File.Path);
        w.WriteAttributeString("line", Int(r.Case.Line));
        if (r.Outcome != TestOutcome.Passed)
        {
            // One element per case: several <failure> elements are not read by every CI system.
            w.WriteStartElement(r.Outcome == TestOutcome.Error ? "error" : "failure");
            w.WriteAttributeString("message", Clean(string.Join("; ", r.Failures.Select(f => f.Summary))));
            w.WriteAttributeString("type", r.Failures.Count == 0 ? "Failure" : r.Failures[0].GetType().Name);
            w.WriteString(Clean($"{r.File.Path}:{r.Case.Line}: {r.FullName}\n" + string.Concat(r.Failures.Select(f => TestReport.FailureText(r, f)))));
            w.WriteEndElement();
        }
        if (r.Messages.Count > 0)
        {
            w.WriteStartElement("system-out");
            w.WriteString(Clean(string.Join("\n", r.Messages)));
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>Drops characters XML 1.0 cannot carry (control characters in data).</summary>
    private static string Clean(string s) =>
        s.Any(ch => ch < 0x20 && ch is not ('\n' or '\r' or '\t')) ? new string(s.Where(ch => ch >= 0x20 || ch is '\n' or '\r' or '\t').ToArray()) : s;

    private static string Int(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
}
