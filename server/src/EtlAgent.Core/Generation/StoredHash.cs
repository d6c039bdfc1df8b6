using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Generation;

/// <summary>
/// A stored hash column the code compares with HASHBYTES of other columns (d.[Row Hash] &lt;&gt;
/// HASHBYTES('SHA2_256', CONCAT(s.[Name], '|', s.[Phone]))): each generated row holds the hash of
/// its own values, so an unchanged entity hashes equal and a changed one does not. Left to the
/// generator's usual value, the stored hash never matches and every entity looks changed.
/// Only expressions whose text SQL Server builds unambiguously are evaluated (strings, integers,
/// decimals, bits, dates, CONCAT, +, ISNULL, CAST to a string type); anything else keeps the row as it is.
/// </summary>
public static class StoredHash
{
    private readonly record struct Text(string? Value, bool Unicode);

    /// <summary>Sets every generated stored hash in the scenario's rows to the hash of the row's values.</summary>
    /// <param name="classOf">a column's join class: a target column the code fills from an aliased source column ([name] AS [area_name]) stands for it</param>
    public static void Fill(Scenario s, SchemaCatalog catalog, IEnumerable<(string Column, FunctionCall Hash)> hashes, Func<string, string> classOf)
    {
        var byColumn = hashes.GroupBy(h => h.Column, StringComparer.OrdinalIgnoreCase).Select(g => g.First()).ToList();
        if (byColumn.Count == 0) return;
        foreach (var (table, rows) in s.Tables)
        {
            if (catalog.Find(table) is not { } def) continue;
            foreach (var (column, hash) in byColumn)
            {
                if (def.FindColumn(column) is not { Type.IsBinary: true } target) continue;
                foreach (var row in rows)
                {
                    if (row.GetValueOrDefault(column) is not byte[]) continue;
                    (object? Value, SqlType Type)? Lookup(string name)
                    {
                        if (def.FindColumn(name) is { } c && row.TryGetValue(name, out var v)) return (v, c.Type);
                        var cls = classOf(name);
                        foreach (var same in def.Columns)
                            if (string.Equals(classOf(same.Name), cls, StringComparison.OrdinalIgnoreCase) && row.TryGetValue(same.Name, out var sv)) return (sv, same.Type);
                        // a column the row lacks: the same-named value of another input of the case
                        foreach (var (other, otherRows) in s.Tables)
                            if (other != table && catalog.Find(other)?.FindColumn(name) is { } oc && otherRows.Count > 0 && otherRows[^1].TryGetValue(name, out var ov))
                                return (ov, oc.Type);
                        return null;
                    }
                    if (Compute(hash, Lookup) is { } bytes && (target.Type.IsMax || bytes.Length <= (target.Type.Length ?? 1))) row[column] = bytes;
                }
            }
        }
    }

    /// <summary>HASHBYTES(algorithm, expression) over the given column values; null when it cannot be evaluated here.</summary>
    internal static byte[]? Compute(FunctionCall hash, Func<string, (object? Value, SqlType Type)?> lookup)
    {
        if (hash.Parameters is not [StringLiteral algorithm, var input]) return null;
        if (Evaluate(input, lookup) is not { } text) return null;
        if (text.Value is null) return null;
        byte[] data;
        if (text.Unicode) data = Encoding.Unicode.GetBytes(text.Value);
        else if (text.Value.All(ch => ch <= '\u007F' || ch is >= '\u00A0' and <= '\u00FF')) data = Encoding.Latin1.GetBytes(text.Value);
        else return null;
        return algorithm.Value.ToUpperInvariant() switch
        {
            "MD5" => MD5.HashData(data),
            "SHA" or "SHA1" => SHA1.HashData(data),
            "SHA2_256" => SHA256.HashData(data),
            "SHA2_512" => SHA512.HashData(data),
            _ => null,
        };
    }

    private static Text? Evaluate(ScalarExpression e, Func<string, (object? Value, SqlType Type)?> lookup)
    {
        switch (e)
        {
            case ParenthesisExpression p: return Evaluate(p.Expression, lookup);
            case StringLiteral s: return new Text(s.Value, s.IsNational);
            case IntegerLiteral or NumericLiteral: return new Text(((Literal)e).Value, false);
            case NullLiteral: return new Text(null, false);
            case ColumnReferenceExpression c when CodeFacts.ColumnName(c) is { } name:
                return lookup(name) is var (value, type) ? Render(value, type) : null;
            case BinaryExpression { BinaryExpressionType: BinaryExpressionType.Add } b:
                if (Evaluate(b.FirstExpression, lookup) is not { } l || Evaluate(b.SecondExpression, lookup) is not { } r) return null;
                return new Text(l.Value is null || r.Value is null ? null : l.Value + r.Value, l.Unicode || r.Unicode);
            case CastCall cast: return Cast(cast.DataType, Evaluate(cast.Parameter, lookup));
            case ConvertCall convert when convert.Style is null: return Cast(convert.DataType, Evaluate(convert.Parameter, lookup));
            case CoalesceExpression co:
                return First(co.Expressions.Select(x => Evaluate(x, lookup)).ToList());
            case FunctionCall f:
                var args = f.Parameters.Select(x => Evaluate(x, lookup)).ToList();
                if (args.Any(a => a is null)) return null;
                var texts = args.Select(a => a!.Value).ToList();
                bool unicode = args.Any(a => a!.Value.Unicode);
                return f.FunctionName.Value.ToUpperInvariant() switch
                {
                    "CONCAT" => new Text(string.Concat(texts.Select(t => t.Value ?? "")), unicode),
                    "CONCAT_WS" when texts.Count > 1 => new Text(string.Join(texts[0].Value ?? "", texts.Skip(1).Where(t => t.Value is not null).Select(t => t.Value)), unicode),
                    "ISNULL" when texts.Count == 2 => texts[0].Value is null ? new Text(texts[1].Value, texts[0].Unicode) : texts[0],
                    "UPPER" when texts.Count == 1 => texts[0] with { Value = texts[0].Value?.ToUpperInvariant() },
                    "LOWER" when texts.Count == 1 => texts[0] with { Value = texts[0].Value?.ToLowerInvariant() },
                    "LTRIM" when texts.Count == 1 => texts[0] with { Value = texts[0].Value?.TrimStart(' ') },
                    "RTRIM" when texts.Count == 1 => texts[0] with { Value = texts[0].Value?.TrimEnd(' ') },
                    "TRIM" when texts.Count == 1 => texts[0] with { Value = texts[0].Value?.Trim(' ') },
                    _ => null,
                };
            default: return null;
        }
    }

    private static Text? First(List<Text?> values) =>
        values.Any(v => v is null) ? null : values.FirstOrDefault(v => v!.Value.Value is not null) ?? new Text(null, values.Any(v => v!.Value.Unicode));

    /// <summary>CAST to a string type keeps the text (a shorter length would truncate it: not evaluated) and sets its kind.</summary>
    private static Text? Cast(DataTypeReference type, Text? value)
    {
        if (value is not { } v || type is not SqlDataTypeReference s) return null;
        var name = s.SqlDataTypeOption.ToString().ToLowerInvariant();
        if (name is not ("varchar" or "nvarchar" or "char" or "nchar")) return null;
        if (s.Parameters is [IntegerLiteral length] && int.TryParse(length.Value, out var n) && (v.Value?.Length ?? 0) > n) return null;
        if (name is "char" or "nchar" && s.Parameters is [IntegerLiteral] ) return null;   // padded to its length
        return new Text(v.Value, name.StartsWith('n'));
    }

    /// <summary>The text SQL Server gives a value when it converts it to a string (no style).</summary>
    private static Text? Render(object? value, SqlType type)
    {
        string? text = value switch
        {
            null => null,
            string s when type.Name is "char" or "nchar" => s.PadRight(type.Length ?? 1),
            string s => s,
            bool b => b ? "1" : "0",
            long n => n.ToString(CultureInfo.InvariantCulture),
            decimal d when type.IsDecimal => d.ToString("F" + (type.Scale ?? 0), CultureInfo.InvariantCulture),
            decimal d when type.IsInteger => ((long)d).ToString(CultureInfo.InvariantCulture),
            DateTime d when type.Name == "date" => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            DateTime d when type.Name == "datetime2" && (type.Scale ?? 7) == 7 => d.ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture),
            Guid g => g.ToString().ToUpperInvariant(),
            _ => "\0",
        };
        return text == "\0" ? null : new Text(text, type.IsUnicode);
    }
}
