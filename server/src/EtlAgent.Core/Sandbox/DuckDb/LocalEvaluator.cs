using System.Globalization;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// Evaluates the small procedural expressions that dominate loops (integer arithmetic, date parts,
/// DATEADD, comparisons, IS NULL, AND/OR/NOT, CASE, and the string work of calendar loads: CAST and
/// CONVERT between int and strings, concatenation, LEFT/RIGHT, DATENAME — over variables and
/// constants) without a round trip to DuckDB. It only answers when the result is certain under SQL
/// Server's rules; anything else (overflow, division by zero, truncation, string comparison under a
/// collation, decimals, other functions) returns false and the expression goes to DuckDB as usual.
/// </summary>
internal sealed partial class LocalEvaluator(Func<string, (object? Value, SqlType Type)?> variable)
{
    private readonly record struct V(object? Value, SqlType Type);

    private static readonly SqlType Int = SqlTranslator.Int, BigInt = SqlTranslator.BigInt;

    public bool TryScalar(ScalarExpression e, SqlType target, out object? value)
    {
        value = null;
        if (!TryEval(e, out var v)) return false;
        if (v.Value is null) return true;
        if (target.IsInteger && target.Name != "bit" && v.Value is long l)
        {
            var (min, max) = target.Name switch
            {
                "tinyint" => (0L, 255L), "smallint" => (short.MinValue, (long)short.MaxValue),
                "int" => (int.MinValue, (long)int.MaxValue), _ => (long.MinValue, long.MaxValue),
            };
            if (l < min || l > max) return false;
            value = Values.Coerce(l, target);
            return true;
        }
        if (v.Value is DateTime d && target.Name == v.Type.Name && target.Name is "date" or "datetime2")
        {
            value = d;
            return true;
        }
        // an assignment converts implicitly, as CAST does, except that a string too long for its
        // target fails (2628) instead of being cut: left to DuckDB with the rest
        if (Convert(v, target, explicitCast: false) is { } converted)
        {
            value = Values.Coerce(converted.Value, target);
            return true;
        }
        return false;
    }

    /// <summary>Three-valued predicate: true, false, or null for UNKNOWN.</summary>
    public bool TryPredicate(BooleanExpression b, out bool? result)
    {
        result = null;
        switch (b)
        {
            case BooleanParenthesisExpression p: return TryPredicate(p.Expression, out result);
            case BooleanNotExpression n:
                if (!TryPredicate(n.Expression, out var inner)) return false;
                result = inner is null ? null : !inner;
                return true;
            case BooleanBinaryExpression bb:
            {
                if (!TryPredicate(bb.FirstExpression, out var l) || !TryPredicate(bb.SecondExpression, out var r)) return false;
                result = bb.BinaryExpressionType == BooleanBinaryExpressionType.And
                    ? (l == false || r == false ? false : l is null || r is null ? null : true)
                    : (l == true || r == true ? true : l is null || r is null ? null : false);
                return true;
            }
            case BooleanIsNullExpression isn:
                if (!TryEval(isn.Expression, out var v)) return false;
                result = (v.Value is null) != isn.IsNot;
                return true;
            case BooleanComparisonExpression c:
            {
                if (!TryEval(c.FirstExpression, out var a) || !TryEval(c.SecondExpression, out var z)) return false;
                if (a.Value is null || z.Value is null) { result = null; return true; }
                int cmp;
                if (a.Value is long la && z.Value is long lz) cmp = la.CompareTo(lz);
                else if (a.Value is DateTime da && z.Value is DateTime dz && a.Type.Name == z.Type.Name) cmp = da.CompareTo(dz);
                else return false;
                result = c.ComparisonType switch
                {
                    BooleanComparisonType.Equals => cmp == 0,
                    BooleanComparisonType.NotEqualToBrackets or BooleanComparisonType.NotEqualToExclamation => cmp != 0,
                    BooleanComparisonType.GreaterThan => cmp > 0,
                    BooleanComparisonType.LessThan => cmp < 0,
                    BooleanComparisonType.GreaterThanOrEqualTo or BooleanComparisonType.NotLessThan => cmp >= 0,
                    BooleanComparisonType.LessThanOrEqualTo or BooleanComparisonType.NotGreaterThan => cmp <= 0,
                    _ => null,
                };
                return result is not null || c.ComparisonType is BooleanComparisonType.Equals;
            }
            default: return false;
        }
    }

    private bool TryEval(ScalarExpression e, out V v)
    {
        v = default;
        switch (e)
        {
            case ParenthesisExpression p: return TryEval(p.Expression, out v);
            case NullLiteral: v = new V(null, Int); return true;
            case IntegerLiteral i when long.TryParse(i.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) && l is >= int.MinValue and <= int.MaxValue:
                v = new V(l, Int); return true;
            case GlobalVariableExpression g when g.Name.Equals("@@DATEFIRST", StringComparison.OrdinalIgnoreCase):
                v = new V(7L, new SqlType("tinyint")); return true;
            case VariableReference r:
            {
                if (variable(r.Name) is not { } x) return false;
                if (x.Type.IsInteger && x.Type.Name != "bit") { v = new V(x.Value is null ? null : System.Convert.ToInt64(x.Value, CultureInfo.InvariantCulture), x.Type); return true; }
                if (x.Type.Name is "date" or "datetime2" && x.Value is null or DateTime) { v = new V(x.Value, x.Type); return true; }
                if (IsText(x.Type) && x.Value is null or string) { v = new V(x.Value, x.Type); return true; }
                return false;
            }
            case StringLiteral s:
                v = new V(s.Value, new SqlType(s.IsNational ? "nvarchar" : "varchar", Math.Max(1, s.Value.Length)));
                return true;
            case CastCall c:
                return TryCast(c.Parameter, c.DataType, out v);
            case ConvertCall c when c.Style is null:
                return TryCast(c.Parameter, c.DataType, out v);
            case ConvertCall c when c.Style is IntegerLiteral style:
                return TryDateText(c.Parameter, c.DataType, style.Value, out v);
            case SearchedCaseExpression c:
                return TryCase(c, out v);
            // LEFT and RIGHT are keywords, parsed apart from other calls
            case LeftFunctionCall { Parameters.Count: 2 } lf:
                return TryLeftRight(true, lf.Parameters[0], lf.Parameters[1], out v);
            case RightFunctionCall { Parameters.Count: 2 } rf:
                return TryLeftRight(false, rf.Parameters[0], rf.Parameters[1], out v);
            case UnaryExpression { UnaryExpressionType: UnaryExpressionType.Negative } u:
                if (!TryEval(u.Expression, out var ue) || ue.Value is not (null or long)) return false;
                v = ue.Value is long ul ? new V(-ul, ue.Type) : ue;
                return true;
            case BinaryExpression b:
            {
                if (!TryEval(b.FirstExpression, out var a) || !TryEval(b.SecondExpression, out var z)) return false;
                if (b.BinaryExpressionType == BinaryExpressionType.Add && IsText(a.Type) && IsText(z.Type)) return TryConcat(a, z, out v);
                if (a.Value is not (null or long) || z.Value is not (null or long)) return false;
                var type = a.Type.Name == "bigint" || z.Type.Name == "bigint" ? BigInt : Int;
                if (a.Value is null || z.Value is null) { v = new V(null, type); return true; }
                long x = (long)a.Value, y = (long)z.Value;
                long? r = b.BinaryExpressionType switch
                {
                    BinaryExpressionType.Add => x + y,
                    BinaryExpressionType.Subtract => x - y,
                    BinaryExpressionType.Multiply when Math.Abs(x) < int.MaxValue && Math.Abs(y) < int.MaxValue => x * y,
                    BinaryExpressionType.Divide when y != 0 => x / y,
                    BinaryExpressionType.Modulo when y != 0 => x % y,
                    _ => null,
                };
                if (r is null) return false;
                if (type == Int && r is < int.MinValue or > int.MaxValue) return false; // overflow: let DuckDB raise 8115
                v = new V(r, type);
                return true;
            }
            case FunctionCall f when f.CallTarget is null && f.OverClause is null:
                return TryFunction(f, out v);
            default: return false;
        }
    }

    private bool TryFunction(FunctionCall f, out V v)
    {
        v = default;
        string name = f.FunctionName.Value.ToUpperInvariant();
        var ps = f.Parameters;
        switch (name)
        {
            case "YEAR" or "MONTH" or "DAY" when ps.Count == 1:
            {
                if (!TryEval(ps[0], out var d) || d.Value is not (null or DateTime)) return false;
                v = new V(d.Value is DateTime dt ? (long)(name == "YEAR" ? dt.Year : name == "MONTH" ? dt.Month : dt.Day) : null, Int);
                return true;
            }
            case "DATEPART" when ps.Count == 2 && PartOf(ps[0]) is { } part:
            {
                if (!TryEval(ps[1], out var d) || d.Value is not (null or DateTime)) return false;
                if (d.Value is not DateTime dt) { v = new V(null, Int); return true; }
                long? r = part switch
                {
                    "year" => dt.Year, "month" => dt.Month, "day" => dt.Day, "quarter" => (dt.Month - 1) / 3 + 1,
                    "dayofyear" => dt.DayOfYear, "weekday" => (int)dt.DayOfWeek + 1, "iso_week" => ISOWeek.GetWeekOfYear(dt),
                    _ => null,
                };
                if (r is null) return false;
                v = new V(r, Int);
                return true;
            }
            case "DATEADD" when ps.Count == 3 && PartOf(ps[0]) is "day" or "dayofyear" or "weekday" or "month" or "quarter" or "year" or "week":
            {
                if (!TryEval(ps[1], out var n) || n.Value is not (null or long) || !TryEval(ps[2], out var d) || d.Value is not (null or DateTime)) return false;
                if (n.Value is null || d.Value is null) { v = new V(null, d.Type); return true; }
                var from = (DateTime)d.Value;
                long k = (long)n.Value;
                // SQL Server, like AddMonths, keeps the day or takes the month's last day; out of
                // range (517) is left to DuckDB
                DateTime? result = PartOf(ps[0]) switch
                {
                    "month" when Math.Abs(k) < 120000 => Within(from.Year * 12L + from.Month - 1 + k) ? from.AddMonths((int)k) : null,
                    "quarter" when Math.Abs(k) < 40000 => Within(from.Year * 12L + from.Month - 1 + 3 * k) ? from.AddMonths((int)(3 * k)) : null,
                    "year" when Math.Abs(k) < 10000 => Within((from.Year + k) * 12) ? from.AddMonths((int)(12 * k)) : null,
                    "week" when Math.Abs(k) < 600000 => Within(from, 7 * k) ? from.AddDays(7 * k) : null,
                    "day" or "dayofyear" or "weekday" when Math.Abs(k) < 4000000 => Within(from, k) ? from.AddDays(k) : null,
                    _ => null,
                };
                if (result is null) return false;
                v = new V(result, d.Type);
                return true;
            }
            case "EOMONTH" when ps.Count == 1:
            {
                if (!TryEval(ps[0], out var d) || d.Value is not (null or DateTime)) return false;
                v = new V(d.Value is DateTime dt ? new DateTime(dt.Year, dt.Month, DateTime.DaysInMonth(dt.Year, dt.Month)) : null, SqlTranslator.Date);
                return true;
            }
            case "DATENAME" when ps.Count == 2 && PartOf(ps[0]) is { } part:
                return TryDateName(part, ps[1], out v);
            default: return false;
        }
    }

    /// <summary>Months since year 0 (year * 12 + month - 1) within 0001-01 … 9999-12.</summary>
    private static bool Within(long months) => months is >= 12 and < 10000 * 12;

    private static bool Within(DateTime from, long days) =>
        days >= 0 ? (DateTime.MaxValue.Date - from.Date).TotalDays >= days : (from.Date - DateTime.MinValue).TotalDays >= -days;

    private static string? PartOf(ScalarExpression e)
    {
        string? text = e switch
        {
            ColumnReferenceExpression c => c.MultiPartIdentifier.Identifiers[^1].Value,
            IdentifierLiteral il => il.Value,
            _ => null,
        };
        return text is not null && SqlTranslator.DateParts.TryGetValue(text, out var p) ? p : null;
    }
}
