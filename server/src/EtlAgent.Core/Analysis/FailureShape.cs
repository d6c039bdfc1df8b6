using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;

namespace EtlAgent.Core.Analysis;

/// <summary>
/// What a failing case shows, read from its failures: the tables whose rows differ, the columns whose
/// values differ (a missing row paired with the unexpected row most like it), whether rows were
/// lost, added or duplicated, the error the call raised, and a signature that says "fails the same
/// way" (which expectations failed, on which tables).
/// </summary>
public sealed record FailureShape(
    IReadOnlyList<QualifiedName> Tables,
    IReadOnlyList<string> DifferingColumns,
    int Missing,
    int Unexpected,
    bool Duplicated,
    SandboxError? Error,
    string Signature)
{
    public bool RowsLost => Missing > Unexpected;
    public bool RowsAdded => Unexpected > Missing;

    /// <summary>Missing plus unexpected rows: how far the case is from passing (smaller is closer).</summary>
    public int Distance => Missing + Unexpected + (Error is null ? 0 : 1);

    public static FailureShape Of(TestCaseResult result)
    {
        var tables = new List<QualifiedName>();
        var columns = new List<string>();
        int missing = 0, unexpected = 0;
        bool duplicated = false;
        SandboxError? error = null;
        foreach (var f in result.Failures)
        {
            switch (f)
            {
                case RowsMismatch m:
                    if (m.Table is { } t && !tables.Contains(t)) tables.Add(t);
                    missing += m.Diff.Missing.Count;
                    unexpected += m.Diff.Unexpected.Count;
                    foreach (var c in Differing(m.Diff)) if (!columns.Contains(c, StringComparer.OrdinalIgnoreCase)) columns.Add(c);
                    // a row written twice: an unexpected row equal to another unexpected one, or to an expected one
                    var expected = result.Case.Expect.Tables.Concat(result.Case.Expect.Result is { } res ? new[] { res } : Array.Empty<Sandbox.TestFiles.RowsExpectation>())
                        .FirstOrDefault(e => e.Table == m.Table)?.Rows ?? Array.Empty<Sandbox.TestFiles.TestRow>();
                    duplicated |= m.Diff.Unexpected.Any(u => m.Diff.Unexpected.Count(o => Same(o, u)) > 1
                        || expected.Any(e => Same(m.Diff.Columns.Select(c => e[c]).ToList(), u)));
                    break;
                case RowCountMismatch c:
                    if (!tables.Contains(c.Table)) tables.Add(c.Table);
                    if (c.Actual > c.Expected) unexpected += (int)Math.Min(int.MaxValue, c.Actual - c.Expected);
                    else missing += (int)Math.Min(int.MaxValue, c.Expected - c.Actual);
                    break;
                case ErrorMismatch e:
                    error ??= e.Actual;
                    break;
            }
        }
        error ??= result.Error;
        // the column an error names (515 NULL into 'X', 8152 truncation of 'X', 2627 key of 'X')
        if (error is not null && System.Text.RegularExpressions.Regex.Match(error.Message, @"column '([^']+)'") is { Success: true } named
            && !columns.Contains(named.Groups[1].Value, StringComparer.OrdinalIgnoreCase))
            columns.Add(named.Groups[1].Value);
        var signature = string.Join(";", result.Failures.Select(f => $"{f.GetType().Name}:{(f as RowsMismatch)?.Target}{(f as RowCountMismatch)?.Table}{(f as ErrorMismatch)?.Actual?.Number}")
            .OrderBy(s => s, StringComparer.Ordinal));
        return new FailureShape(tables, columns, missing, unexpected, duplicated, error, signature);
    }

    /// <summary>
    /// Columns that differ between missing and unexpected rows, pairing each missing row with the
    /// unexpected one that agrees on the most columns.
    /// </summary>
    internal static IEnumerable<string> Differing(RowComparison.Diff diff)
    {
        var result = new List<string>();
        var free = diff.Unexpected.ToList();
        foreach (var miss in diff.Missing)
        {
            if (free.Count == 0) break;
            var best = free.OrderByDescending(u => Enumerable.Range(0, diff.Columns.Count).Count(i => Equal(miss[i], u[i]))).First();
            free.Remove(best);
            for (int i = 0; i < diff.Columns.Count; i++)
                if (!Equal(miss[i], best[i]) && !result.Contains(diff.Columns[i], StringComparer.OrdinalIgnoreCase)) result.Add(diff.Columns[i]);
        }
        return result;
    }

    private static bool Same(IReadOnlyList<object?> a, IReadOnlyList<object?> b) => a.Count == b.Count && Enumerable.Range(0, a.Count).All(i => Equal(a[i], b[i]));

    private static bool Equal(object? a, object? b) =>
        a is null ? b is null : b is not null && (a.Equals(b) || string.Equals(Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture)?.TrimEnd(),
            Convert.ToString(b, System.Globalization.CultureInfo.InvariantCulture)?.TrimEnd(), StringComparison.OrdinalIgnoreCase)
            || (IsNumber(a) && IsNumber(b) && Convert.ToDouble(a, System.Globalization.CultureInfo.InvariantCulture) == Convert.ToDouble(b, System.Globalization.CultureInfo.InvariantCulture)));

    private static bool IsNumber(object o) => o is byte or short or int or long or decimal or double or float;

    public FailureSeverity Severity(TestCaseResult result) =>
        result.Outcome == TestOutcome.Error ? FailureSeverity.LoadFailure
        : Error is not null && result.Case.Expect.Error is null ? FailureSeverity.LoadFailure
        : Missing > 0 || Unexpected > 0 || result.Failures.Any(f => f is InvariantViolation) ? FailureSeverity.SilentDataCorruption
        : result.Failures.Any(f => f is ErrorMismatch) ? FailureSeverity.LoadFailure
        : FailureSeverity.Cosmetic;
}
