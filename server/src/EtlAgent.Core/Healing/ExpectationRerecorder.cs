using System.Text;
using System.Text.RegularExpressions;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Healing;

/// <summary>
/// The test-side heal for an intended change: the failing case's expectations follow what the code
/// now does. Made from the failure's diff without another run: each expected row that was not found
/// is deleted from its line, each row found but not expected is added after the last expected row
/// (in the file's flow style, at its indentation), and a row count that differs takes the count
/// found. Everything else in the file — comments, order, other cases — stays as written. The diff
/// of expected rows is kept for the reviewer (<see cref="RepairCandidate.Diff"/>).
/// </summary>
public static class ExpectationRerecorder
{
    /// <returns>The candidate, or null when a failure is not about rows or counts, or the rows are not one per line.</returns>
    public static RepairCandidate? For(TestCaseResult failed, string text, SchemaCatalog catalog)
    {
        if (failed.Outcome != TestOutcome.Failed || failed.Failures.Count == 0) return null;
        var lines = new LineIndex(text);
        var rawLines = text.Split('\n');
        string newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var edits = new List<TextEdit>();
        var diff = new List<string>();
        int removed = 0, added = 0;
        var path = failed.File.Path;
        foreach (var failure in failed.Failures)
        {
            switch (failure)
            {
                case RowsMismatch { Table: { } table } m:
                {
                    var expectation = failed.Case.Expect.Tables.FirstOrDefault(e => e.Table == table && e.Line == m.Line);
                    if (expectation is null || expectation.Rows.Count == 0) return null;
                    if (expectation.Rows.Any(r => r.Line < 1 || r.Line > rawLines.Length || !rawLines[r.Line - 1].TrimStart().StartsWith('-'))) return null;
                    if (expectation.Rows.Select(r => r.Line).Distinct().Count() != expectation.Rows.Count) return null;
                    var def = catalog.Find(table);
                    var used = new HashSet<int>();
                    foreach (var missing in m.Diff.Missing)
                    {
                        int at = Enumerable.Range(0, expectation.Rows.Count).FirstOrDefault(i => !used.Contains(i) &&
                            m.Diff.Columns.Select((c, k) => Equals(expectation.Rows[i][c], missing[k])).All(x => x), -1);
                        if (at < 0) return null;
                        used.Add(at);
                        int line = expectation.Rows[at].Line - 1;
                        int end = line + 1 < lines.LineCount ? lines.LineStart(line + 1) : text.Length;
                        edits.Add(SpanEdits.Replace(path, text, lines.LineStart(line), end, ""));
                        diff.Add($"- {table}: {Row(m.Diff.Columns, missing, def)}");
                        removed++;
                    }
                    if (m.Diff.Unexpected.Count > 0 && m.Match == MatchMode.Exact)
                    {
                        int last = expectation.Rows.Max(r => r.Line) - 1;
                        var indent = Regex.Match(rawLines[expectation.Rows[0].Line - 1], @"^\s*").Value.TrimEnd('\r');
                        var insert = new StringBuilder();
                        bool atEnd = last + 1 >= lines.LineCount;
                        if (atEnd && !text.EndsWith('\n')) insert.Append(newline);
                        foreach (var row in m.Diff.Unexpected)
                        {
                            insert.Append(indent).Append("- ").Append(Row(m.Diff.Columns, row, def)).Append(newline);
                            diff.Add($"+ {table}: {Row(m.Diff.Columns, row, def)}");
                            added++;
                        }
                        int at = atEnd ? text.Length : lines.LineStart(last + 1);
                        edits.Add(SpanEdits.Replace(path, text, at, at, insert.ToString()));
                    }
                    break;
                }
                case RowCountMismatch c:
                {
                    if (c.Line < 1 || c.Line > rawLines.Length) return null;
                    var name = Regex.Escape(c.Table.ToString()).Replace(@"\.", @"\.?\[?\]?");
                    var m = Regex.Match(rawLines[c.Line - 1], $@"{name}""?\]?\s*:\s*(\d+)", RegexOptions.IgnoreCase);
                    if (!m.Success) return null;
                    int start = lines.LineStart(c.Line - 1) + m.Groups[1].Index;
                    edits.Add(SpanEdits.Replace(path, text, start, start + m.Groups[1].Length, c.Actual.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    diff.Add($"- {c.Table}: {c.Expected} rows");
                    diff.Add($"+ {c.Table}: {c.Actual} rows");
                    break;
                }
                default:
                    return null; // errors, messages, invariants: not an expectation of rows to follow
            }
        }
        if (edits.Count == 0) return null;
        var what = string.Join(", ", failed.Failures.Select(f => f switch { RowsMismatch r => r.Target, RowCountMismatch c => $"the row count of {c.Table}", _ => "" }).Distinct());
        var counts = removed + added > 0 ? $" (−{removed} {(removed == 1 ? "row" : "rows")}, +{added} {(added == 1 ? "row" : "rows")})" : "";
        return new RepairCandidate(HealKinds.Test, HealClasses.IntendedChange,
            $"re-record the expectations of \"{failed.Case.Name}\" for {what} after an intended change{counts}", edits, "test") { Diff = diff };
    }

    /// <summary>A row in the test files' flow style: {"Column": value, …}.</summary>
    private static string Row(IReadOnlyList<string> columns, IReadOnlyList<object?> values, TableDef? table)
    {
        var cells = columns.Select((c, i) =>
        {
            var (text, quoted) = TestValues.Format(values[i], table?.FindColumn(c)?.Type);
            return $"\"{Escape(c)}\": {(quoted ? $"\"{Escape(text)}\"" : text)}";
        });
        return "{" + string.Join(", ", cells) + "}";
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
