using EtlAgent.Core.Model;
using System.Text;
using System.Text.RegularExpressions;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// One conformance case: a T-SQL snippet and what SQL Server returns for it according to its
/// documentation (<see cref="Source"/> names the page). Cases live in
/// tests/fixtures/conformance/*.sql, separated by "-- case:" header lines.
/// </summary>
public sealed record ConformanceCase(string File, int Line, string Name, string Sql, string? Expect, int? ExpectError, string? ExpectPrint, string Source, string? KnownGap)
{
    /// <summary>What names the case in a test run: its file and its name.</summary>
    public string Key => $"{File} › {Name}";
}

public static class ConformanceCases
{
    private static readonly Lazy<IReadOnlyDictionary<string, ConformanceCase>> _byKey = new(() => Load().ToDictionary(c => c.Key, StringComparer.Ordinal));

    /// <summary>Every case by <see cref="ConformanceCase.Key"/> (a duplicate name in one file is an error when loading).</summary>
    public static IReadOnlyDictionary<string, ConformanceCase> ByKey => _byKey.Value;

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
            var names = new HashSet<string>(StringComparer.Ordinal);
            void Flush()
            {
                if (name is null) return;
                if (source is null) throw new InvalidDataException($"{Path.GetFileName(file)}:{start}: case '{name}' has no -- source:");
                if (expect is null && error is null && print is null) throw new InvalidDataException($"{Path.GetFileName(file)}:{start}: case '{name}' expects nothing");
                if (!names.Add(name)) throw new InvalidDataException($"{Path.GetFileName(file)}:{start}: a second case named '{name}' (the name identifies the test)");
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
