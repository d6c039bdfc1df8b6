using System.Globalization;
using System.Text;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

public sealed partial class SqlTranslator
{
    /// <summary>Comparison operators, T-SQL → DuckDB (as data).</summary>
    private static readonly Dictionary<BooleanComparisonType, string> ComparisonOps = new()
    {
        [BooleanComparisonType.Equals] = "=",
        [BooleanComparisonType.NotEqualToBrackets] = "<>",
        [BooleanComparisonType.NotEqualToExclamation] = "<>",
        [BooleanComparisonType.GreaterThan] = ">",
        [BooleanComparisonType.LessThan] = "<",
        [BooleanComparisonType.GreaterThanOrEqualTo] = ">=",
        [BooleanComparisonType.LessThanOrEqualTo] = "<=",
        [BooleanComparisonType.NotLessThan] = ">=",
        [BooleanComparisonType.NotGreaterThan] = "<=",
    };

    public string Bool(BooleanExpression b, Scope scope)
    {
        EnsureStack(b);
        switch (b)
        {
            case BooleanComparisonExpression c:
                if (!ComparisonOps.TryGetValue(c.ComparisonType, out var op)) throw Unsupported($"comparison {c.ComparisonType}", c);
                if (Env.AnsiNullsOff && op is "=" or "<>" && (IsNullOperand(c.FirstExpression) || IsNullOperand(c.SecondExpression)))
                    return ComparisonWithNullsAsValues(c.FirstExpression, c.SecondExpression, op, scope, c);
                return Compare(Expr(c.FirstExpression, scope), Expr(c.SecondExpression, scope), op, c);
            case BooleanBinaryExpression bb:
                return $"({Bool(bb.FirstExpression, scope)} {(bb.BinaryExpressionType == BooleanBinaryExpressionType.And ? "AND" : "OR")} {Bool(bb.SecondExpression, scope)})";
            case BooleanNotExpression n: return $"(NOT {Bool(n.Expression, scope)})";
            case BooleanParenthesisExpression p: return "(" + Bool(p.Expression, scope) + ")";
            case BooleanIsNullExpression isn: return $"({Expr(isn.Expression, scope).Sql} IS {(isn.IsNot ? "NOT " : "")}NULL)";
            case ExistsPredicate ex: return $"EXISTS ({Query(ex.Subquery.QueryExpression, new Scope(scope), out _)})";
            case BooleanTernaryExpression t:
            {
                var x = Expr(t.FirstExpression, scope);
                var lo = Expr(t.SecondExpression, scope);
                var hi = Expr(t.ThirdExpression, scope);
                var s = $"({Compare(x, lo, ">=", t)} AND {Compare(x, hi, "<=", t)})";
                return t.TernaryExpressionType == BooleanTernaryExpressionType.NotBetween ? $"(NOT {s})" : s;
            }
            case InPredicate ip when Env.AnsiNullsOff && (IsNullOperand(ip.Expression) || ip.Subquery is null && ip.Values.Any(IsNullOperand)):
                return InWithNullsAsValues(ip, scope);
            case InPredicate ip:
            {
                var x = Expr(ip.Expression, scope);
                string not = ip.NotDefined ? "NOT " : "";
                if (ip.Subquery is not null)
                {
                    var sub = Query(ip.Subquery.QueryExpression, new Scope(scope), out var shape);
                    var st = shape.Count > 0 ? shape[0].Type : null;
                    if (x.Type?.IsString == true || st?.IsString == true)
                        return $"(rtrim({AsText(x)}) {not}IN (SELECT rtrim(CAST(\"__in\".\"__c\" AS VARCHAR)) FROM ({sub}) AS \"__in\"(\"__c\")))";
                    return $"({x.Sql} {not}IN ({sub}))";
                }
                var values = ip.Values.Select(v => Expr(v, scope)).ToList();
                bool str = x.Type?.IsString == true || values.Any(v => v.Type?.IsString == true);
                if (str)
                    return $"(rtrim({AsText(x)}) {not}IN ({string.Join(", ", values.Select(v => "rtrim(" + AsText(v) + ")"))}))";
                return $"({x.Sql} {not}IN ({string.Join(", ", values.Select(v => Coerce(v, x.Type, ip).Sql))}))";
            }
            case LikePredicate lp: return Like(lp, scope);
            case DistinctPredicate dp:
            {
                var l = Expr(dp.FirstExpression, scope);
                var r = Expr(dp.SecondExpression, scope);
                string dop = dp.IsNot ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM";
                if (l.Type?.IsString == true || r.Type?.IsString == true) return $"(rtrim({AsText(l)}) {dop} rtrim({AsText(r)}))";
                return $"({l.Sql} {dop} {r.Sql})";
            }
            case SubqueryComparisonPredicate sq:
            {
                if (!ComparisonOps.TryGetValue(sq.ComparisonType, out var sop)) throw Unsupported($"comparison {sq.ComparisonType}", sq);
                var x = Expr(sq.Expression, scope);
                var sub = Query(sq.Subquery.QueryExpression, new Scope(scope), out _);
                var quant = sq.SubqueryComparisonPredicateType == SubqueryComparisonPredicateType.All ? "ALL" : "ANY";
                return $"({x.Sql} {sop} {quant} ({sub}))";
            }
            default:
                throw Unsupported(b.GetType().Name, b);
        }
    }

    /// <summary>
    /// A comparison with SQL Server's semantics: strings compare case-insensitively (the database
    /// collation is NOCASE) and ignoring trailing spaces; a string against a date or number is
    /// converted to that type first.
    /// </summary>
    internal string Compare(Tx l, Tx r, string op, TSqlFragment at)
    {
        bool ls = l.Type?.IsString == true || l.Type is null && l.StringConstant is not null;
        bool rs = r.Type?.IsString == true || r.Type is null && r.StringConstant is not null;
        if (ls && r.Type is { IsString: false } rt) { l = Cast(l, rt, false, null, at); ls = false; }
        else if (rs && l.Type is { IsString: false } lt) { r = Cast(r, lt, false, null, at); rs = false; }
        if (ls || rs)
        {
            // rtrim() returns the default collation, so an explicit COLLATE is applied around it again.
            var collation = l.Collation ?? r.Collation;
            return collation is null
                ? $"(rtrim({AsText(l)}) {op} rtrim({AsText(r)}))"
                : $"((rtrim({AsText(l)}) COLLATE {collation}) {op} (rtrim({AsText(r)}) COLLATE {collation}))";
        }
        if (l.Type?.Name == "bit" && r.Type?.IsNumeric == true && r.Type.Name != "bit") return $"(CAST({l.Sql} AS INTEGER) {op} {r.Sql})";
        if (r.Type?.Name == "bit" && l.Type?.IsNumeric == true && l.Type.Name != "bit") return $"({l.Sql} {op} CAST({r.Sql} AS INTEGER))";
        return $"({l.Sql} {op} {r.Sql})";
    }

    private string Like(LikePredicate lp, Scope scope)
    {
        var x = Expr(lp.FirstExpression, scope);
        var p = Expr(lp.SecondExpression, scope);
        string not = lp.NotDefined ? "NOT " : "";
        bool caseSensitive = x.Collation == "\"binary\"" || p.Collation == "\"binary\"";
        string like = caseSensitive ? "LIKE" : "ILIKE";
        if (lp.EscapeExpression is not null)
            return $"({AsText(x)} {not}{like} {AsText(p)} ESCAPE {Expr(lp.EscapeExpression, scope).Sql})";
        if (caseSensitive && lp.EscapeExpression is null && p.StringConstant is { } csPattern)
            return $"({not}regexp_full_match({AsText(x with { Sql = x.Uncollated ?? x.Sql })}, {Str(LikeToRegex(csPattern))}, 's'))";
        if (caseSensitive) throw Unsupported("LIKE under a case-sensitive COLLATE with a non-constant pattern or ESCAPE", lp);
        if (p.StringConstant is { } pattern && pattern.Contains('['))
            return $"({not}regexp_full_match({AsText(x)}, {Str(LikeToRegex(pattern))}, '{(caseSensitive ? "s" : "is")}'))";
        return $"({AsText(x)} {not}{like} {AsText(p)})";
    }

    /// <summary>A T-SQL LIKE pattern (%, _, [set], [^set]) as an RE2 pattern.</summary>
    internal static string LikeToRegex(string pattern)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '%') sb.Append(".*");
            else if (c == '_') sb.Append('.');
            else if (c == '[')
            {
                int end = pattern.IndexOf(']', i + 2 <= pattern.Length ? i + 1 : i);
                if (end < 0) { sb.Append("\\["); continue; }
                var set = pattern.Substring(i + 1, end - i - 1);
                sb.Append('[');
                if (set.StartsWith('^')) { sb.Append('^'); set = set[1..]; }
                foreach (var sc in set) sb.Append(sc is '\\' or ']' or '[' ? "\\" + sc : sc.ToString());
                sb.Append(']');
                i = end;
            }
            else sb.Append(System.Text.RegularExpressions.Regex.Escape(c.ToString()));
        }
        return sb.ToString();
    }

    /// <summary>Date parts by every spelling T-SQL accepts → canonical name.</summary>
    internal static readonly Dictionary<string, string> DateParts = new(StringComparer.OrdinalIgnoreCase)
    {
        ["year"] = "year", ["yy"] = "year", ["yyyy"] = "year",
        ["quarter"] = "quarter", ["qq"] = "quarter", ["q"] = "quarter",
        ["month"] = "month", ["mm"] = "month", ["m"] = "month",
        ["dayofyear"] = "dayofyear", ["dy"] = "dayofyear", ["y"] = "dayofyear",
        ["day"] = "day", ["dd"] = "day", ["d"] = "day",
        ["week"] = "week", ["wk"] = "week", ["ww"] = "week",
        ["weekday"] = "weekday", ["dw"] = "weekday", ["w"] = "weekday",
        ["hour"] = "hour", ["hh"] = "hour",
        ["minute"] = "minute", ["mi"] = "minute", ["n"] = "minute",
        ["second"] = "second", ["ss"] = "second", ["s"] = "second",
        ["millisecond"] = "millisecond", ["ms"] = "millisecond",
        ["microsecond"] = "microsecond", ["mcs"] = "microsecond",
        ["nanosecond"] = "nanosecond", ["ns"] = "nanosecond",
        ["iso_week"] = "iso_week", ["isowk"] = "iso_week", ["isoww"] = "iso_week",
        ["tzoffset"] = "tzoffset", ["tz"] = "tzoffset",
    };

    internal static readonly Dictionary<int, string> DateStyles = new()
    {
        [1] = "%m/%d/%y", [101] = "%m/%d/%Y", [2] = "%y.%m.%d", [102] = "%Y.%m.%d", [3] = "%d/%m/%y", [103] = "%d/%m/%Y",
        [4] = "%d.%m.%y", [104] = "%d.%m.%Y", [5] = "%d-%m-%y", [105] = "%d-%m-%Y", [6] = "%d %b %y", [106] = "%d %b %Y",
        [7] = "%b %d, %y", [107] = "%b %d, %Y", [8] = "%H:%M:%S", [108] = "%H:%M:%S", [10] = "%m-%d-%y", [110] = "%m-%d-%Y",
        [11] = "%y/%m/%d", [111] = "%Y/%m/%d", [12] = "%y%m%d", [112] = "%Y%m%d", [23] = "%Y-%m-%d", [20] = "%Y-%m-%d %H:%M:%S",
        [120] = "%Y-%m-%d %H:%M:%S", [21] = "%Y-%m-%d %H:%M:%S.%g", [121] = "%Y-%m-%d %H:%M:%S.%g", [126] = "%Y-%m-%dT%H:%M:%S.%g",
        [127] = "%Y-%m-%dT%H:%M:%S.%g", [24] = "%H:%M:%S", [114] = "%H:%M:%S:%g",
    };

    /// <summary>
    /// CAST/CONVERT with SQL Server's rules: decimal/float → int truncates; (n)varchar(n) truncates;
    /// strings parse in the formats SQL Server accepts (error 241/245/8114, or NULL for TRY_).
    /// </summary>
    public Tx Cast(Tx x, SqlType to, bool tryMode, int? style, TSqlFragment? at)
    {
        var from = x.Type;
        string duck = DuckTypes.Of(to, at is null ? null : Env.LocationOf(at));
        string cast = tryMode ? "TRY_CAST" : "CAST";
        if (x.IsNullLiteral) return new Tx($"CAST(NULL AS {duck})", to);

        if (to.IsString)
        {
            string s;
            if (from is null || from.IsString) s = from is null ? $"CAST({x.Sql} AS VARCHAR)" : x.Sql;
            else if (from.IsDateTime)
            {
                string fmt;
                if (style is int st and not (0 or 100))
                    fmt = DateStyles.TryGetValue(st, out var f) ? f : throw new UnsupportedConstructException($"CONVERT style {st}", at is null ? null : Env.LocationOf(at));
                else fmt = style is 0 or 100 ? "" : from.Name switch
                {
                    "date" => "%Y-%m-%d",
                    "time" => "%H:%M:%S.%f0",
                    "datetime2" => from.Scale is 0 ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M:%S.%f" + (from.Scale is null or 7 ? "0" : ""),
                    _ => "",
                };
                // datetime2 in the ODBC/ISO styles shows all its fractional digits, not milliseconds.
                if (from.Name == "datetime2" && style is 21 or 121 or 126 or 127)
                    fmt = from.Scale is 0 ? fmt.Replace(".%g", "") : fmt.Replace("%g", "%f" + (from.Scale is null or 7 ? "0" : ""));
                if (fmt == "" || style is 0 or 100)
                    s = from.Name is "datetime" or "smalldatetime" or "datetimeoffset" || style is 0 or 100 ? $"tsql_datetime_str({x.Sql})" : $"strftime({x.Sql}, '%Y-%m-%d %H:%M:%S.%g')";
                else
                    s = from.Name == "time" ? $"strftime(TIMESTAMP '2000-01-01' + {x.Sql}, {Str(fmt)})" : $"strftime({x.Sql}, {Str(fmt)})";
                // datetime2(1…5) shows that many digits (strftime's %f gives six).
                if (from.Name == "datetime2" && from.Scale is int fs and >= 1 and <= 5 && fmt.EndsWith("%f", StringComparison.Ordinal))
                    s = $"left({s}, length({s}) - {6 - fs})";
                // The datetime2(7) maximum is stored one microsecond digit short: show its 7th digit.
                if (from.Name == "datetime2" && from.Scale is null or 7 && fmt.EndsWith("%f0", StringComparison.Ordinal))
                    s = $"CASE WHEN {x.Sql} = {DateTime2MaxStoredSql} THEN regexp_replace({s}, '9990$', '9999') ELSE {s} END";
            }
            else if (from.IsBinary && style is 1 or 2)
                // the binary styles: each byte as two hexadecimal digits, with 0x (1) or without (2)
                s = style is 1 ? $"('0x' || hex({x.Sql}))" : $"hex({x.Sql})";
            else if (from.IsBinary && style is not (null or 0))
                throw new UnsupportedConstructException($"CONVERT style {style} for binary", at is null ? null : Env.LocationOf(at));
            else if (from.Name == "bit") s = $"CAST(CAST({x.Sql} AS INTEGER) AS VARCHAR)";
            else if (from.Name == "uniqueidentifier") s = $"upper(CAST({x.Sql} AS VARCHAR))";
            else if (from.IsApproximate) s = style is null or 0 ? $"tsql_float_str({x.Sql})" : throw new UnsupportedConstructException($"CONVERT style {style} for float", at is null ? null : Env.LocationOf(at));
            else if (from.Name is "money" or "smallmoney") s = $"CAST(CAST(round({x.Sql}, 2) AS DECIMAL(38,2)) AS VARCHAR)";
            else s = $"CAST({x.Sql} AS VARCHAR)";
            if (DuckTypes.MaxChars(to) is int n)
            {
                s = $"left({s}, {n})";
                if (to.Name is "char" or "nchar") s = $"rpad({s}, {n}, ' ')";
            }
            return new Tx(s, to, StringConstant: null);
        }

        if (to.IsInteger)
        {
            if (to.Name == "bit")
            {
                if (from?.IsString == true)
                    return new Tx($"CASE WHEN {x.Sql} IS NULL THEN NULL WHEN lower(trim({x.Sql})) = 'true' THEN true WHEN lower(trim({x.Sql})) = 'false' THEN false ELSE {(tryMode ? $"TRY_CAST(tsql_try_int({x.Sql}) AS BOOLEAN)" : $"CAST(tsql_int({x.Sql}, 'bit') AS BOOLEAN)")} END", to);
                return new Tx($"{cast}({x.Sql} AS BOOLEAN)", to);
            }
            if (from?.IsString == true)
                return new Tx(tryMode ? $"TRY_CAST(tsql_try_int({x.Sql}) AS {duck})" : $"CAST(tsql_int({x.Sql}, {Str(to.Name)}) AS {duck})", to);
            if (from is not null && (from.IsDecimal || from.IsApproximate || from.Name is "money" or "smallmoney"))
                return new Tx($"{cast}(trunc({x.Sql}) AS {duck})", to);
            if (from?.Name == "bit") return new Tx($"{cast}(CAST({x.Sql} AS INTEGER) AS {duck})", to);
            return new Tx($"{cast}({x.Sql} AS {duck})", to);
        }

        if (to.IsDecimal || to.Name is "money" or "smallmoney")
        {
            if (from?.IsString == true)
                return new Tx(tryMode ? $"TRY_CAST(tsql_try_num_text({x.Sql}) AS {duck})" : $"CAST(tsql_num_text({x.Sql}) AS {duck})", to);
            if (from?.Name == "bit") return new Tx($"{cast}(CAST({x.Sql} AS INTEGER) AS {duck})", to);
            return new Tx($"{cast}({x.Sql} AS {duck})", to);
        }

        if (to.IsApproximate)
        {
            if (from?.IsString == true)
                return new Tx(tryMode ? $"CAST(tsql_try_num({x.Sql}) AS {duck})" : $"CAST(tsql_float({x.Sql}) AS {duck})", to);
            if (from?.Name == "bit") return new Tx($"{cast}(CAST({x.Sql} AS INTEGER) AS {duck})", to);
            return new Tx($"{cast}({x.Sql} AS {duck})", to);
        }

        if (to.IsDateTime && to.Name != "time" && to.Name != "datetimeoffset")
        {
            if (from?.IsString == true || from is null && x.StringConstant is not null)
            {
                var order = style is int so && DateTimeStrings.StyleOrder(so) is { } styled ? styled : DateTimeStrings.Order.Mdy;
                bool legacy = to.Name is "datetime" or "smalldatetime";
                if (x.StringConstant is { } lit)
                {
                    var (outcome, d) = DateTimeStrings.Parse(lit, order, legacy ? 3 : 7);
                    if (outcome == DateTimeStrings.Outcome.Parsed && legacy && (d < LegacyLow(to) || d > LegacyHigh(to))) outcome = DateTimeStrings.Outcome.OutOfRange;
                    if (outcome == DateTimeStrings.Outcome.Parsed)
                    {
                        var value = to.Name == "date" ? d.Date : RoundFor(to, d);
                        CheckExact(value, to, lit, at);
                        return new Tx(Literal(value, to), to);
                    }
                    if (tryMode) return new Tx($"CAST(NULL AS {duck})", to);
                    if (outcome == DateTimeStrings.Outcome.OutOfRange && legacy)
                        throw new SandboxRuntimeError(242, $"The conversion of a {(from?.IsUnicode == true ? "nvarchar" : "varchar")} data type to a {to.Name} data type resulted in an out-of-range value.");
                    throw new SandboxRuntimeError(241, "Conversion failed when converting date and/or time from character string.");
                }
                string ord = DateTimeStrings.OrderSql(order);
                string parse = legacy
                    ? $"{(tryMode ? "tsql_try_dt_o" : "tsql_dt_o")}({x.Sql}, {ord}, {Literal(LegacyLow(to), SqlTranslator.DateTime2)}, {Literal(LegacyHigh(to), SqlTranslator.DateTime2)})"
                    : (tryMode ? $"tsql_try_ts_o({x.Sql}, {ord})" : $"tsql_ts_o({x.Sql}, {ord})");
                // A string read at run time into datetime2(7): its 100-ns digit cannot be kept.
                if (to.Name == "datetime2" && to.Scale is null or 7)
                    parse = $"tsql_ts7_guard({x.Sql}, {parse})";
                return new Tx(to.Name == "datetime" ? $"tsql_datetime({parse})" : to.Name == "smalldatetime" ? $"tsql_smalldatetime({parse})" : RoundScale($"CAST({parse} AS {duck})", to, from), to);
            }
            if (from is not null && from.IsNumeric) throw new UnsupportedConstructException($"conversion from {from} to {to}", at is null ? null : Env.LocationOf(at));
            if (to.Name == "datetime" && from?.Name is not ("datetime" or "date")) return new Tx($"tsql_datetime({x.Sql})", to);
            if (to.Name == "smalldatetime" && from?.Name is not ("smalldatetime" or "date")) return new Tx($"tsql_smalldatetime({x.Sql})", to);
            return new Tx(RoundScale($"{cast}({x.Sql} AS {duck})", to, from), to);
        }

        if (to.Name is "time" or "datetimeoffset" && x.StringConstant is { } tlit && HasHundredNanoseconds(tlit))
            throw new UnsupportedConstructException($"{to} value '{tlit}' (a non-zero 7th fractional-second digit, 100 ns)", at is null ? null : Env.LocationOf(at),
                "DuckDB keeps microseconds");

        if (to.IsBinary && from?.IsString == true && style is 1 or 2)
        {
            // hexadecimal text, with 0x for style 1 and without for style 2, cut to the type's bytes; anything else does not convert (8114)
            var digits = style is 1 ? $"CASE WHEN lower(left({x.Sql}, 2)) = '0x' THEN substr({x.Sql}, 3) ELSE 'not hex' END" : x.Sql;
            var cut = to.EffectiveLength is int bytes and > 0 ? $"left({digits}, {bytes * 2})" : digits;
            var hex = $"regexp_full_match({digits}, '([0-9A-Fa-f]{{2}})*')";
            return new Tx(tryMode ? $"CASE WHEN {hex} THEN unhex({cut}) END"
                : $"CASE WHEN {x.Sql} IS NULL OR {hex} THEN unhex({cut}) ELSE CAST(error('[[8114]]Error converting data type {(from.IsUnicode ? "nvarchar" : "varchar")} to {to.Name}.') AS BLOB) END", to);
        }
        if (to.IsBinary && from?.IsString == true && style is not (null or 0))
            throw new UnsupportedConstructException($"CONVERT style {style} to binary", at is null ? null : Env.LocationOf(at));
        if (to.Name == "uniqueidentifier" && from?.IsString == true)
            return new Tx($"{cast}(trim({x.Sql}) AS UUID)", to);
        if (to.Name == "uniqueidentifier" && from?.IsBinary == true)
        {
            // the first 16 bytes (zero bytes added to a shorter value), the first three groups stored byte-reversed
            var h = $"rpad(left(hex({x.Sql}), 32), 32, '0')";
            string Bytes(params int[] at) => string.Join(" || ", at.Select(i => $"substr({h}, {2 * i + 1}, 2)"));
            return new Tx($"CAST({Bytes(3, 2, 1, 0)} || '-' || {Bytes(5, 4)} || '-' || {Bytes(7, 6)} || '-' || {Bytes(8, 9)} || '-' || {Bytes(10, 11, 12, 13, 14, 15)} AS UUID)", to);
        }
        return new Tx($"{cast}({x.Sql} AS {duck})", to);
    }

    /// <summary>A fraction of seconds with a non-zero digit beyond the 6th (100 ns or finer).</summary>
    internal static bool HasHundredNanoseconds(string s) => System.Text.RegularExpressions.Regex.IsMatch(s, @"[:]\d\d\.\d{6}\d*[1-9]");

    /// <summary>
    /// A constant date/time that DuckDB cannot hold exactly is refused where it is written: a non-zero
    /// 100-ns digit, or 9999-12-31 23:59:59.999999 in datetime2(7), which stands for the maximum.
    /// </summary>
    private void CheckExact(DateTime value, SqlType to, string text, TSqlFragment? at)
    {
        var where = at is null ? null : Env.LocationOf(at);
        if (value.Ticks % 10 != 0 && value != DateTime2Max)
            throw new UnsupportedConstructException($"{to} literal '{text}' (a non-zero 7th fractional-second digit, 100 ns)", where,
                "DuckDB keeps microseconds; only datetime2's maximum 9999-12-31 23:59:59.9999999 is kept exactly");
        if (value == DateTime2MaxStored && to.Name == "datetime2" && to.Scale is null or 7)
            throw new UnsupportedConstructException($"datetime2(7) literal '{text}'", where,
                "the sandbox stores the datetime2 maximum 9999-12-31 23:59:59.9999999 at that microsecond, so the two cannot be told apart");
    }

    /// <summary>datetime2(0…5) keeps that many fractional digits, rounding half up (DuckDB keeps six).</summary>
    private static string RoundScale(string sql, SqlType to, SqlType? from)
    {
        if (to.Name != "datetime2" || to.Scale is not int sc || sc >= 6 || from?.Name == "date" || from is { Name: "datetime2", Scale: int fs } && fs <= sc) return sql;
        long unit = (long)Math.Pow(10, 6 - sc);
        return $"make_timestamp(CAST(round(epoch_us({sql}) / {unit}.0) * {unit} AS BIGINT))";
    }

    internal static DateTime RoundFor(SqlType to, DateTime d)
    {
        if (to.Name == "datetime2" && to.Scale is int scale and >= 0 and < 7)
        {
            // datetime2(n) rounds to n fractional digits (half up).
            long unit = (long)Math.Pow(10, 7 - scale);
            long rem = d.Ticks % unit;
            long ticks = d.Ticks - rem + (rem * 2 >= unit ? unit : 0);
            return ticks > DateTime.MaxValue.Ticks ? d : new DateTime(ticks);
        }
        if (to.Name == "datetime")
        {
            // datetime keeps 1/300 s: round to the nearest 0, 3 or 7 ms tick.
            long ticks = d.Ticks % TimeSpan.TicksPerSecond;
            double units = Math.Round(ticks / (TimeSpan.TicksPerSecond / 300.0));
            return new DateTime(d.Ticks - ticks).AddTicks((long)Math.Round(units * TimeSpan.TicksPerSecond / 300.0 / TimeSpan.TicksPerMillisecond) * TimeSpan.TicksPerMillisecond);
        }
        if (to.Name == "smalldatetime") return new DateTime(d.Ticks - d.Ticks % TimeSpan.TicksPerMinute).AddMinutes(d.Second >= 30 ? 1 : 0);
        return d;
    }

    /// <summary>The range of datetime (from 1753) and smalldatetime (1900 to 2079-06-06): a string outside it is error 242.</summary>
    private static DateTime LegacyLow(SqlType t) => t.Name == "smalldatetime" ? new DateTime(1900, 1, 1) : new DateTime(1753, 1, 1);

    private static DateTime LegacyHigh(SqlType t) => t.Name == "smalldatetime" ? new DateTime(2079, 6, 6, 23, 59, 29, 998) : new DateTime(9999, 12, 31, 23, 59, 59, 997);

    /// <summary>A string constant as SQL Server (us_english, DATEFORMAT mdy) reads a date/time.</summary>
    public static DateTime? ParseDateLiteral(string s) =>
        DateTimeStrings.Parse(s) is (DateTimeStrings.Outcome.Parsed, var d) ? d : null;
}
