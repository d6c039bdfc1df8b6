using System.Globalization;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Sandbox;

/// <summary>
/// Compares expected and actual rows as multisets, by SQL Server semantics for each column's type:
/// strings case-insensitive and trailing-space-insensitive (the default collation), numbers by
/// value whatever their scale or .NET type, date/times exactly, datetimeoffset by instant, NULL
/// equal to NULL (a test compares rows, not predicates).
/// </summary>
public static class RowComparison
{
    /// <summary>The result of one comparison: rows expected but not found, and rows found but not expected.</summary>
    public sealed record Diff(
        IReadOnlyList<string> Columns,
        IReadOnlyList<IReadOnlyList<object?>> Missing,
        IReadOnlyList<IReadOnlyList<object?>> Unexpected,
        int ExpectedCount,
        int ActualCount);

    /// <param name="typeOf">The column's type when known (catalog); otherwise it is inferred from the actual values.</param>
    public static Diff Compare(
        IReadOnlyList<TestRow> expected,
        IReadOnlyList<SandboxRow> actual,
        IReadOnlyList<string> columns,
        Func<string, SqlType?> typeOf)
    {
        // sql_variant (e.g. a computed column whose expression is not typed) says nothing: infer it too.
        var types = columns.Select(c => typeOf(c) is { Name: not "sql_variant" } t ? t : Infer(actual, expected, c)).ToArray();
        var remaining = new Dictionary<string, Queue<int>>(StringComparer.Ordinal);
        for (int i = 0; i < actual.Count; i++)
        {
            var key = RowKey(columns, types, c => actual[i].TryGetValue(c, out var v) ? v : null);
            if (!remaining.TryGetValue(key, out var q)) remaining[key] = q = new Queue<int>();
            q.Enqueue(i);
        }
        var missing = new List<IReadOnlyList<object?>>();
        var matched = new bool[actual.Count];
        foreach (var row in expected)
        {
            var key = RowKey(columns, types, c => row[c]);
            if (remaining.TryGetValue(key, out var q) && q.Count > 0) matched[q.Dequeue()] = true;
            else missing.Add(columns.Select(c => row[c]).ToList());
        }
        var unexpected = new List<IReadOnlyList<object?>>();
        for (int i = 0; i < actual.Count; i++)
            if (!matched[i]) unexpected.Add(columns.Select(c => actual[i].TryGetValue(c, out var v) ? v : null).ToList());
        return new Diff(columns, missing, unexpected, expected.Count, actual.Count);
    }

    /// <summary>Whether two values are equal for a column of <paramref name="type"/> (null: inferred from the values).</summary>
    public static bool ValuesEqual(object? expected, object? actual, SqlType? type = null)
    {
        type ??= TypeOf(actual) ?? TypeOf(expected);
        return Key(expected, type) == Key(actual, type);
    }

    private static string RowKey(IReadOnlyList<string> columns, SqlType?[] types, Func<string, object?> get)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < columns.Count; i++)
        {
            var k = Key(get(columns[i]), types[i]);
            sb.Append(k.Length).Append(':').Append(k).Append('|');
        }
        return sb.ToString();
    }

    private static SqlType? Infer(IReadOnlyList<SandboxRow> actual, IReadOnlyList<TestRow> expected, string column)
    {
        foreach (var row in actual)
            if (row.TryGetValue(column, out var v) && TypeOf(v) is { } t) return t;
        foreach (var row in expected)
            if (TypeOf(row[column]) is { } t) return t;
        return null;
    }

    /// <summary>The SQL type a .NET value stands for, for columns whose type is not in the catalog.</summary>
    public static SqlType? TypeOf(object? value) => value switch
    {
        null => null,
        bool => new SqlType("bit"),
        byte or short or int or long => new SqlType("bigint"),
        decimal => new SqlType("decimal", Precision: 38, Scale: 28),
        double or float => new SqlType("float", Precision: 53),
        string => new SqlType("nvarchar", Length: SqlType.Max),
        DateTime => new SqlType("datetime2", Scale: 7),
        DateTimeOffset => new SqlType("datetimeoffset", Scale: 7),
        TimeSpan => new SqlType("time", Scale: 7),
        Guid => new SqlType("uniqueidentifier"),
        byte[] => new SqlType("varbinary", Length: SqlType.Max),
        _ => null,
    };

    /// <summary>A string that is equal for two values exactly when SQL Server would call them equal in a column of <paramref name="type"/>.</summary>
    public static string Key(object? value, SqlType? type)
    {
        if (value is null or DBNull) return "∅";
        if (type is not null) value = Coerce(value, type);
        return value switch
        {
            string s => "s" + s.TrimEnd(' ').ToUpperInvariant(),
            bool b => "n" + (b ? "1" : "0"),
            byte or short or int or long or decimal => "n" + Canonical(Convert.ToDecimal(value, CultureInfo.InvariantCulture)),
            double d => "f" + d.ToString("R", CultureInfo.InvariantCulture),
            float f => "f" + ((double)f).ToString("R", CultureInfo.InvariantCulture),
            DateTime dt => "d" + dt.Ticks.ToString(CultureInfo.InvariantCulture),
            DateTimeOffset dto => "o" + dto.UtcTicks.ToString(CultureInfo.InvariantCulture),
            TimeSpan ts => "t" + ts.Ticks.ToString(CultureInfo.InvariantCulture),
            Guid g => "g" + g.ToString("N"),
            byte[] bytes => "b" + Convert.ToHexString(bytes),
            _ => "?" + Convert.ToString(value, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Brings a value to the .NET type the column's SQL type uses (e.g. a string expected for a date column of a result).</summary>
    private static object Coerce(object value, SqlType type)
    {
        bool fits = value switch
        {
            string => type.IsString || !(type.IsNumeric || type.IsDateTime || type.Name is "uniqueidentifier" || type.IsBinary),
            bool or byte or short or int or long or decimal => type.IsExactNumeric,
            double or float => type.IsApproximate,
            DateTime => type.Name is "date" or "datetime" or "datetime2" or "smalldatetime",
            DateTimeOffset => type.Name == "datetimeoffset",
            TimeSpan => type.Name == "time",
            Guid => type.Name == "uniqueidentifier",
            byte[] => type.IsBinary,
            _ => true,
        };
        if (fits) return value;
        if (type.IsApproximate && value is bool or byte or short or int or long or decimal)
            return Convert.ToDouble(value, CultureInfo.InvariantCulture);
        if (type.IsExactNumeric && value is double or float)
        {
            var d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
            return d is >= (double)decimal.MinValue and <= (double)decimal.MaxValue ? (object)(decimal)d : d;
        }
        var (text, _) = TestValues.Format(value);
        return TestValues.TryConvert(text, false, type, out var converted, out _) && converted is not null ? converted : value;
    }

    private static string Canonical(decimal d) => (d / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture) is var s && s.Contains('.')
        ? s.TrimEnd('0').TrimEnd('.')
        : s;
}
