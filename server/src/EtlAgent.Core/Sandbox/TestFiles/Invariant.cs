using EtlAgent.Core.Model;

namespace EtlAgent.Core.Sandbox.TestFiles;

public enum InvariantKind
{
    /// <summary><see cref="Invariant.Columns"/> unique among the rows that match <see cref="Invariant.Where"/> (a business key among current SCD2 rows).</summary>
    Unique,
    /// <summary>Per <see cref="Invariant.Columns"/> (the key), validity windows [From, To) that neither overlap nor leave gaps.</summary>
    Windows,
    /// <summary>Every non-NULL <see cref="Invariant.Columns"/> value exists in <see cref="Invariant.In"/> (a fact's dimension keys).</summary>
    Exists,
}

/// <summary>
/// A property of a table that every case of a file must keep: when it holds on the rows a case
/// starts with, it must still hold after the call (a load may start from data that breaks it; it
/// must not break data that kept it). Written once per file under `invariants:`.
/// </summary>
public sealed record Invariant(InvariantKind Kind, QualifiedName Table, IReadOnlyList<string> Columns, int Line = 0)
{
    /// <summary>Unique: only rows whose columns equal these values (e.g. the end-of-time Valid To).</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Where { get; init; } = Array.Empty<KeyValuePair<string, object?>>();
    /// <summary>Windows: the columns where a row's validity starts and ends.</summary>
    public string? From { get; init; }
    public string? To { get; init; }
    /// <summary>Exists: the table the values must be found in, and its columns (default: the same names).</summary>
    public QualifiedName? In { get; init; }
    public IReadOnlyList<string>? InColumns { get; init; }

    /// <summary>The tables a check reads.</summary>
    public IEnumerable<QualifiedName> Tables => In is { } other ? new[] { Table, other } : new[] { Table };

    public override string ToString() => Kind switch
    {
        InvariantKind.Unique => $"[{string.Join("], [", Columns)}] unique in {Table}" + (Where.Count > 0 ? " where " + string.Join(" and ", Where.Select(w => $"[{w.Key}] = {TestValues.Format(w.Value, null).Text}")) : ""),
        InvariantKind.Windows => $"{Table} windows [{From}]–[{To}] per [{string.Join("], [", Columns)}] neither overlap nor leave gaps",
        _ => $"{Table} [{string.Join("], [", Columns)}] exist in {In}",
    };

    /// <summary>The first way the rows break the invariant, or null when it holds.</summary>
    public string? Violation(Func<QualifiedName, IReadOnlyList<SandboxRow>> rowsOf, Func<QualifiedName, string, SqlType?> typeOf)
    {
        var rows = rowsOf(Table);
        string Key(SandboxRow r, IReadOnlyList<string> columns, QualifiedName table) =>
            string.Join("\u0001", columns.Select(c => RowComparison.Key(r.GetValueOrDefault(c), typeOf(table, c))));
        switch (Kind)
        {
            case InvariantKind.Unique:
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var r in rows)
                {
                    if (!Where.All(w => RowComparison.Key(r.GetValueOrDefault(w.Key), typeOf(Table, w.Key)) == RowComparison.Key(w.Value, typeOf(Table, w.Key)))) continue;
                    if (!seen.Add(Key(r, Columns, Table))) return $"two rows with {Describe(r, Columns)}";
                }
                return null;
            }
            case InvariantKind.Windows:
            {
                foreach (var g in rows.GroupBy(r => Key(r, Columns, Table)))
                {
                    var versions = g.Where(r => r.GetValueOrDefault(From!) is DateTime && r.GetValueOrDefault(To!) is DateTime)
                        .OrderBy(r => (DateTime)r[From!]!).ToList();
                    for (int i = 0; i < versions.Count; i++)
                    {
                        var from = (DateTime)versions[i][From!]!;
                        var to = (DateTime)versions[i][To!]!;
                        if (to < from) return $"{Describe(versions[i], Columns)}: a window that ends ({to:O}) before it starts ({from:O})";
                        if (i == 0) continue;
                        var prevTo = (DateTime)versions[i - 1][To!]!;
                        if (prevTo > from) return $"{Describe(versions[i], Columns)}: windows overlap (one ends at {prevTo:O}, the next starts at {from:O})";
                        if (prevTo < from) return $"{Describe(versions[i], Columns)}: a gap between {prevTo:O} and {from:O}";
                    }
                }
                return null;
            }
            default:
            {
                var target = InColumns ?? Columns;
                var present = rowsOf(In!.Value).Select(r => Key(r, target, In!.Value)).ToHashSet(StringComparer.Ordinal);
                foreach (var r in rows)
                {
                    if (Columns.Any(c => r.GetValueOrDefault(c) is null)) continue;
                    if (!present.Contains(Key(r, Columns, Table))) return $"{Describe(r, Columns)} is not in {In}";
                }
                return null;
            }
        }
    }

    private static string Describe(SandboxRow r, IReadOnlyList<string> columns) =>
        string.Join(", ", columns.Select(c => $"[{c}] = {TestValues.Format(r.GetValueOrDefault(c), null).Text}"));
}
