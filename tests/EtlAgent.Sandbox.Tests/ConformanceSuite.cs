using EtlAgent.Core.Model;
using System.Text;
using System.Text.RegularExpressions;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using Xunit.Abstractions;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// One conformance case: a T-SQL snippet and what SQL Server returns for it according to its
/// documentation (<see cref="Source"/> names the page). Cases live in
/// tests/fixtures/conformance/*.sql, separated by "-- case:" header lines.
/// </summary>
public sealed record ConformanceCase(string File, int Line, string Name, string Sql, string? Expect, int? ExpectError, string? ExpectPrint, string Source, string? KnownGap);

public static class ConformanceCases
{
    public static IReadOnlyList<ConformanceCase> Load()
    {
        var dir = Harness.Fixture("conformance");
        var cases = new List<ConformanceCase>();
        foreach (var file in Directory.GetFiles(dir, "*.sql").Order(StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(file);
            string? name = null, expect = null, print = null, source = null, gap = null;
            int? error = null;
            int start = 0;
            var sql = new StringBuilder();
            void Flush()
            {
                if (name is null) return;
                if (source is null) throw new InvalidDataException($"{Path.GetFileName(file)}:{start}: case '{name}' has no -- source:");
                if (expect is null && error is null && print is null) throw new InvalidDataException($"{Path.GetFileName(file)}:{start}: case '{name}' expects nothing");
                cases.Add(new ConformanceCase(Path.GetFileName(file), start, name, sql.ToString(), expect, error, print, source, gap));
            }
            for (int i = 0; i < lines.Length; i++)
            {
                var l = lines[i];
                var m = Regex.Match(l, @"^--\s*(case|source|expect|expect-error|expect-print|known_gap):\s?(.*)$");
                if (m.Success)
                {
                    var value = m.Groups[2].Value.TrimEnd();
                    switch (m.Groups[1].Value)
                    {
                        case "case": Flush(); name = value; expect = print = source = gap = null; error = null; sql.Clear(); start = i + 1; break;
                        case "source": source = value; break;
                        case "expect": expect = value; break;
                        case "expect-error": error = int.Parse(value); break;
                        case "expect-print": print = value; break;
                        case "known_gap": gap = value; break;
                    }
                }
                else if (name is not null) sql.AppendLine(l);
            }
            Flush();
        }
        return cases;
    }

    /// <summary>Runs a case in a fresh sandbox; null when it behaves as documented, else what differed.</summary>
    public static async Task<string?> RunAsync(DuckDbSandboxFactory factory, ConformanceCase c)
    {
        await using var sandbox = (DuckDbSandbox)await factory.CreateAsync();
        ExecutionResult result;
        try
        {
            result = await sandbox.ExecuteSqlAsync(c.Sql, new DateTime(2016, 6, 2, 8, 0, 0), seed: 42);
        }
        catch (UnsupportedConstructException e)
        {
            return "unsupported: " + e.Message;
        }
        if (c.ExpectError is int n)
        {
            if (result.Error is null) return $"expected error {n}, got none (result {Last(result)})";
            if (result.Error.Number != n) return $"expected error {n}, got {result.Error}";
        }
        else if (result.Error is not null) return "error: " + result.Error;
        if (c.Expect is not null && Last(result) != c.Expect) return $"expected [{c.Expect}] got [{Last(result)}]";
        if (c.ExpectPrint is not null && string.Join(" | ", result.Messages) != c.ExpectPrint) return $"expected messages [{c.ExpectPrint}] got [{string.Join(" | ", result.Messages)}]";
        return null;
    }

    private static string Last(ExecutionResult r) => r.ResultSets.Count == 0 ? "(none)" : Harness.Render(r.ResultSets[^1]);
}

public sealed class ConformanceSuite(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_case_behaves_as_SQL_Server_documents_it()
    {
        var cases = ConformanceCases.Load();
        var factory = Harness.Conformance;
        int passed = 0, gaps = 0;
        var failures = new List<string>();
        var gapLines = new List<string>();
        var byFile = new SortedDictionary<string, (int Pass, int Total)>();
        foreach (var c in cases)
        {
            var problem = await ConformanceCases.RunAsync(factory, c);
            var (p, t) = byFile.GetValueOrDefault(c.File);
            byFile[c.File] = (p + (problem is null ? 1 : 0), t + 1);
            if (problem is null) { passed++; continue; }
            if (c.KnownGap is not null) { gaps++; gapLines.Add($"  gap  {c.File}:{c.Line} {c.Name} — {c.KnownGap} ({problem})"); }
            else failures.Add($"  FAIL {c.File}:{c.Line} {c.Name} — {problem}");
        }
        var report = new StringBuilder();
        report.AppendLine($"Conformance: {passed}/{cases.Count} passed ({100.0 * passed / cases.Count:F1}%), {gaps} known gaps, {failures.Count} unexpected failures");
        foreach (var (file, (p, t)) in byFile) report.AppendLine($"  {file,-22} {p}/{t}");
        foreach (var g in gapLines) report.AppendLine(g);
        foreach (var f in failures) report.AppendLine(f);
        output.WriteLine(report.ToString());
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "conformance-report.txt"), report.ToString());
        Assert.True(cases.Count >= 300, $"only {cases.Count} cases");
        Assert.True(failures.Count == 0, report.ToString());
    }
}
