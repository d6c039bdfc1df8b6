using System.Globalization;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>Strings, conversions and CASE, for the evaluator's callers (<see cref="LocalEvaluator"/>).</summary>
internal sealed partial class LocalEvaluator
{
    /// <summary>CAST's and CONVERT's length when the type names none.</summary>
    private const int CastDefaultLength = 30;

    private static bool IsText(SqlType t) => t.Name is "char" or "varchar" or "nchar" or "nvarchar";

    private static int CharsOf(SqlType t) => t.IsMax ? int.MaxValue : t.Length ?? 1;

    private bool TryCast(ScalarExpression e, DataTypeReference type, out V v)
    {
        v = default;
        if (type is not SqlDataTypeReference || !TryEval(e, out var x)) return false;
        var target = DataTypes.From(type, AliasTypes.None);
        if (IsText(target) && target.Length is null) target = target with { Length = CastDefaultLength };
        if (Convert(x, target, explicitCast: true) is not { } r) return false;
        v = r;
        return true;
    }

    /// <summary>CONVERT of a date to text in a style that writes the date alone (112: yyyymmdd …).</summary>
    private bool TryDateText(ScalarExpression e, DataTypeReference type, string style, out V v)
    {
        v = default;
        if (type is not SqlDataTypeReference || !TryEval(e, out var x) || x.Type.Name != "date" || x.Value is not (null or DateTime)) return false;
        var target = DataTypes.From(type, AliasTypes.None);
        if (!IsText(target)) return false;
        if (target.Length is null) target = target with { Length = CastDefaultLength };
        string? format = style switch
        {
            "112" => "yyyyMMdd", "23" => "yyyy-MM-dd", "111" => "yyyy/MM/dd", "101" => "MM/dd/yyyy", "103" => "dd/MM/yyyy",
            "102" => "yyyy.MM.dd", "104" => "dd.MM.yyyy", "105" => "dd-MM-yyyy", "110" => "MM-dd-yyyy",
            _ => null,
        };
        if (format is null) return false;
        var text = x.Value is DateTime d ? d.ToString(format, CultureInfo.InvariantCulture) : null;
        if (text is null) { v = new V(null, target); return true; }
        if (Convert(new V(text, new SqlType("varchar", text.Length)), target, explicitCast: true) is not { } r) return false;
        v = r;
        return true;
    }

    /// <summary>
    /// A conversion whose result SQL Server's rules make certain: between integer types in range,
    /// int to a string it fits, a string of digits to an integer type, a string to a string type it
    /// fits (ASCII only into varchar), date to date. Null otherwise (an error, a '*' for a too short
    /// target, a truncation, a code page): the caller leaves the expression to DuckDB.
    /// </summary>
    private static V? Convert(V x, SqlType target, bool explicitCast)
    {
        bool intTarget = target.IsInteger && target.Name != "bit";
        if (x.Value is null) return intTarget || IsText(target) || target.Name is "date" ? new V(null, target) : null;
        switch (x.Value)
        {
            case long l when intTarget:
                return InRange(l, target) ? new V(l, target) : null;
            case long l when IsText(target):
            {
                var text = l.ToString(CultureInfo.InvariantCulture);
                return text.Length <= CharsOf(target) ? new V(Padded(text, target), target) : null;
            }
            case string s when intTarget:
            {
                // digits with an optional sign only: spaces, '', and the rest are left to DuckDB
                int start = s.Length > 0 && s[0] is '-' or '+' ? 1 : 0;
                if (s.Length == start || s.Length - start > 19) return null;
                for (int i = start; i < s.Length; i++) if (s[i] is < '0' or > '9') return null;
                if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || !InRange(n, target)) return null;
                return new V(n, target);
            }
            case string s when IsText(target):
                if (s.Length > CharsOf(target) || !target.IsUnicode && s.Any(ch => ch > 127)) return null;
                return new V(Padded(s, target), target);
            case DateTime d when target.Name == "date" && x.Type.Name is "date" or "datetime2":
                return new V(d.Date, target);
            default:
                return null;
        }
    }

    private static string Padded(string s, SqlType target) =>
        target.Name is "char" or "nchar" && target.Length is int n && s.Length < n ? s.PadRight(n) : s;

    private static bool InRange(long l, SqlType t) => t.Name switch
    {
        "tinyint" => l is >= 0 and <= 255,
        "smallint" => l is >= short.MinValue and <= short.MaxValue,
        "int" => l is >= int.MinValue and <= int.MaxValue,
        _ => true,
    };

    /// <summary>String + string (CONCAT_NULL_YIELDS_NULL is ON: NULL makes NULL).</summary>
    private static bool TryConcat(V a, V z, out V v)
    {
        bool unicode = a.Type.IsUnicode || z.Type.IsUnicode;
        int limit = unicode ? 4000 : 8000;
        int? length = a.Type.IsMax || z.Type.IsMax ? SqlType.Max : Math.Min(limit, CharsOf(a.Type) + CharsOf(z.Type));
        var type = new SqlType(unicode ? "nvarchar" : "varchar", length);
        if (a.Value is null || z.Value is null) { v = new V(null, type); return true; }
        var text = (string)a.Value + (string)z.Value;
        // beyond 8000 bytes a non-max concatenation is cut: left to DuckDB
        if (!type.IsMax && text.Length > limit) { v = default; return false; }
        v = new V(text, type);
        return true;
    }

    /// <summary>LEFT and RIGHT; an integer argument is converted to its digits first.</summary>
    private bool TryLeftRight(bool left, ScalarExpression text, ScalarExpression count, out V v)
    {
        v = default;
        if (!TryEval(text, out var t) || !TryEval(count, out var n) || n.Value is not (null or long)) return false;
        SqlType type;
        string? s;
        switch (t.Value)
        {
            case long l: s = l.ToString(CultureInfo.InvariantCulture); type = new SqlType("varchar", 12); break;
            case string str when IsText(t.Type): s = str; type = new SqlType(t.Type.IsUnicode ? "nvarchar" : "varchar", t.Type.Length); break;
            case null when IsText(t.Type) || t.Type.IsInteger: s = null; type = new SqlType(t.Type.IsUnicode ? "nvarchar" : "varchar", t.Type.Length ?? 12); break;
            default: return false;
        }
        if (n.Value is long k && k < 0) return false; // error 536: DuckDB raises it
        if (s is null || n.Value is null) { v = new V(null, type); return true; }
        int take = (int)Math.Min((long)n.Value, s.Length);
        v = new V(left ? s[..take] : s[^take..], type);
        return true;
    }

    /// <summary>DATENAME in us_english, the session language the sandbox runs in.</summary>
    private bool TryDateName(string part, ScalarExpression date, out V v)
    {
        v = default;
        if (!TryEval(date, out var d) || d.Value is not (null or DateTime)) return false;
        var type = new SqlType("nvarchar", CastDefaultLength);
        if (d.Value is not DateTime dt) { v = new V(null, type); return true; }
        string? name = part switch
        {
            "month" => CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(dt.Month),
            "weekday" => CultureInfo.InvariantCulture.DateTimeFormat.GetDayName(dt.DayOfWeek),
            "year" => dt.Year.ToString(CultureInfo.InvariantCulture),
            "quarter" => ((dt.Month - 1) / 3 + 1).ToString(CultureInfo.InvariantCulture),
            "day" => dt.Day.ToString(CultureInfo.InvariantCulture),
            "dayofyear" => dt.DayOfYear.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
        if (name is null) return false;
        v = new V(name, type);
        return true;
    }

    /// <summary>
    /// A searched CASE whose conditions and branches all evaluate here and whose branches share a
    /// family (integers, strings or one date type): SQL Server types the result by every branch,
    /// so a mixed CASE (an int beside a string converts the string) is left to DuckDB.
    /// </summary>
    private bool TryCase(SearchedCaseExpression c, out V v)
    {
        v = default;
        var branches = c.WhenClauses.Select(w => w.ThenExpression).ToList();
        if (c.ElseExpression is not null) branches.Add(c.ElseExpression);
        var values = new List<V>();
        foreach (var b in branches)
        {
            if (!TryEval(b, out var bv)) return false;
            values.Add(bv);
        }
        var typed = values.Where((_, i) => branches[i] is not NullLiteral).Select(x => x.Type).ToList();
        if (typed.Count == 0) return false;
        SqlType type;
        if (typed.All(t => t.IsInteger && t.Name != "bit"))
            type = typed.All(t => t == typed[0]) ? typed[0] : typed.Any(t => t.Name == "bigint") ? BigInt : Int;
        else if (typed.All(IsText))
            type = new SqlType(typed.Any(t => t.IsUnicode) ? "nvarchar" : "varchar", typed.Any(t => t.IsMax) ? SqlType.Max : typed.Max(CharsOf));
        else if (typed.All(t => t.Name == typed[0].Name && t.Name is "date" or "datetime2"))
            type = typed[0];
        else return false;
        for (int i = 0; i < c.WhenClauses.Count; i++)
        {
            if (!TryPredicate(c.WhenClauses[i].WhenExpression, out var hit)) return false;
            if (hit == true) { v = new V(values[i].Value, type); return true; }
        }
        v = new V(c.ElseExpression is null ? null : values[^1].Value, type);
        return true;
    }
}
