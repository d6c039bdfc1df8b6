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


public enum ConformanceOutcome { Passed, Failed, KnownGap }

/// <summary>
/// How a case's run counts. A case marked <c>known_gap</c> is expected to fail and is reported as
/// skipped with its reason; once it behaves as documented it fails until its mark is removed, so
/// the list of gaps never claims more than is true.
/// </summary>
public static class ConformanceVerdict
{
    public static (ConformanceOutcome Outcome, string? Message) Of(ConformanceCase c, string? problem) => (c.KnownGap, problem) switch
    {
        (null, null) => (ConformanceOutcome.Passed, null),
        (null, _) => (ConformanceOutcome.Failed, $"{c.File}:{c.Line} {c.Name}: {problem}"),
        (_, null) => (ConformanceOutcome.Failed, $"{c.File}:{c.Line} {c.Name}: known gap now passes: remove it from the list (its `-- known_gap:` line, and the gap in docs/sandbox-support.md)"),
        _ => (ConformanceOutcome.KnownGap, $"known gap: {c.KnownGap} ({problem})"),
    };
}

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

/// <summary>Each conformance case is its own test: a failure names the case, and the run's summary counts cases.</summary>
public sealed class ConformanceSuite(ConformanceReport report, ITestOutputHelper output) : IClassFixture<ConformanceReport>
{
    public static IEnumerable<object[]> Cases() => ConformanceCases.Load().Select(c => new object[] { new CaseKey(c.Key) });

    [SkippableTheory(DisplayName = "Conformance"), MemberData(nameof(Cases))]
    public async Task Case(CaseKey @case)
    {
        var c = ConformanceCases.ByKey[@case.Key];
        var problem = await ConformanceCases.RunAsync(Harness.Conformance, c);
        var (outcome, message) = ConformanceVerdict.Of(c, problem);
        report.Record(c, outcome, message);
        output.WriteLine($"{c.File}:{c.Line} (source: {c.Source})");
        Assert.True(outcome != ConformanceOutcome.Failed, message);
        Skip.If(outcome == ConformanceOutcome.KnownGap, message);
    }
}

/// <summary>
/// A case's key as a theory argument: serializable, so every case is its own test when tests are
/// discovered, and shown whole in the test's name (xunit shortens long string arguments).
/// </summary>
public sealed class CaseKey : IXunitSerializable
{
    public CaseKey() => Key = "";

    public CaseKey(string key) => Key = key;

    public string Key { get; private set; }

    public void Deserialize(IXunitSerializationInfo info) => Key = info.GetValue<string>(nameof(Key));

    public void Serialize(IXunitSerializationInfo info) => info.AddValue(nameof(Key), Key);

    public override string ToString() => Key;
}

/// <summary>The loader and the verdict the suite's rows rest on.</summary>
public sealed class ConformanceSuiteTests
{
    private static ConformanceCase Case(string? gap) => new("x.sql", 3, "a case", "SELECT 1;", "1", null, null, "a page", gap);

    [Fact]
    public void A_known_gap_that_still_fails_is_skipped_with_its_reason_and_one_that_passes_fails()
    {
        Assert.Equal((ConformanceOutcome.Passed, null), ConformanceVerdict.Of(Case(null), null));
        Assert.Equal((ConformanceOutcome.Failed, "x.sql:3 a case: expected [1] got [2]"), ConformanceVerdict.Of(Case(null), "expected [1] got [2]"));
        Assert.Equal((ConformanceOutcome.KnownGap, "known gap: DuckDB differs (expected [1] got [2])"), ConformanceVerdict.Of(Case("DuckDB differs"), "expected [1] got [2]"));
        var (outcome, message) = ConformanceVerdict.Of(Case("DuckDB differs"), null);
        Assert.Equal(ConformanceOutcome.Failed, outcome);
        Assert.Contains("known gap now passes: remove it from the list", message);
    }

    [Fact]
    public void Every_fixture_file_contributes_cases()
    {
        var files = Directory.GetFiles(Harness.Fixture("conformance"), "*.sql").Select(Path.GetFileName);
        Assert.Equal(files.Order(StringComparer.Ordinal), ConformanceCases.ByKey.Values.Select(c => c.File).Distinct().Order(StringComparer.Ordinal));
    }
}
