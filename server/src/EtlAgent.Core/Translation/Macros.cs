namespace EtlAgent.Core.Translation;

/// <summary>
/// DuckDB macros every sandbox database defines: the runtime half of the T-SQL semantics the
/// translator cannot settle statically (errors on divide by zero, conversions SQL Server accepts).
/// </summary>
public static class Macros
{
    /// <summary>Each macro by name, with its DDL and the macros its body calls (created first).</summary>
    public static readonly IReadOnlyList<(string Name, string Ddl, string[] Uses)> All;

    public static readonly string Script;

    /// <summary>Every macro as a temporary one (the connection's <c>temp</c> catalog, found from any attached database): made once per pooled instance.</summary>
    public static readonly string TemporaryScript;

    static Macros()
    {
        var definitions = DateTimeStrings.MacroDefinitions().Concat(HashFunctions.MacroDefinitions()).Concat(Definitions).ToArray(); // the date readers first: later macros use them
        All = definitions.Select(d =>
        {
            var name = d["CREATE MACRO ".Length..d.IndexOf('(')];
            var body = d[d.IndexOf(" AS ", StringComparison.Ordinal)..];
            var uses = definitions.Select(x => x["CREATE MACRO ".Length..x.IndexOf('(')]).Where(n => n != name && body.Contains(n + "(", StringComparison.Ordinal)).ToArray();
            return (name, d, uses);
        }).ToList();
        Script = string.Join("\n", definitions);
        TemporaryScript = string.Join("\n", definitions.Select(d => "CREATE TEMP MACRO " + d["CREATE MACRO ".Length..]));
    }

    private static readonly string[] Definitions =
    {
        // STR(float [, length [, decimal]]): right-aligned in length; fewer decimals when they do not fit, asterisks when the whole part does not
        "CREATE MACRO tsql_str_f(v, d) AS printf('%.' || CAST(d AS VARCHAR) || 'f', round(v, CAST(d AS INTEGER)));",
        "CREATE MACRO tsql_str(v, l, d) AS CASE WHEN v IS NULL OR l IS NULL OR d IS NULL OR l <= 0 THEN NULL " +
        "WHEN length(tsql_str_f(v, least(greatest(d, 0), 16))) <= l THEN lpad(tsql_str_f(v, least(greatest(d, 0), 16)), l, ' ') " +
        "WHEN length(tsql_str_f(v, 0)) > l THEN repeat('*', l) " +
        "WHEN l - length(tsql_str_f(v, 0)) - 1 <= 0 THEN lpad(tsql_str_f(v, 0), l, ' ') " +
        "ELSE lpad(tsql_str_f(v, l - length(tsql_str_f(v, 0)) - 1), l, ' ') END;",
        $"CREATE MACRO tsql_idiv(a, b) AS CASE WHEN b = 0 THEN {SqlText.Raise(8134, "Divide by zero error encountered.")} ELSE a // b END;",
        $"CREATE MACRO tsql_div(a, b) AS CASE WHEN b = 0 THEN {SqlText.Raise(8134, "Divide by zero error encountered.")} ELSE a / b END;",
        $"CREATE MACRO tsql_mod(a, b) AS CASE WHEN b = 0 THEN {SqlText.Raise(8134, "Divide by zero error encountered.")} ELSE a % b END;",
        // string → date/time as SQL Server reads it (DateTimeStrings: one table of formats for constants and run time)
        "CREATE MACRO tsql_try_ts_o(s, o) AS TRY_CAST(tsql_ts_text(s, o) AS TIMESTAMP);",
        "CREATE MACRO tsql_try_ts(s) AS tsql_try_ts_o(s, 'mdy');",
        $"CREATE MACRO tsql_ts_o(s, o) AS CASE WHEN s IS NULL THEN NULL ELSE coalesce(tsql_try_ts_o(s, o), {SqlText.Raise(241, "Conversion failed when converting date and/or time from character string.")}) END;",
        "CREATE MACRO tsql_ts(s) AS tsql_ts_o(s, 'mdy');",
        // datetime/smalldatetime: at most 3 fractional digits (241), and a value outside the type's range is 242
        @"CREATE MACRO tsql_dt_shape(s, o) AS CASE WHEN regexp_matches(CAST(s AS VARCHAR), ':[0-9]{1,2}\.[0-9]{4}') THEN NULL ELSE tsql_ts_text(s, o) END;",
        "CREATE MACRO tsql_dt_range(v, lo, hi) AS CASE WHEN v < lo OR v > hi THEN NULL ELSE v END;",
        "CREATE MACRO tsql_try_dt_o(s, o, lo, hi) AS tsql_dt_range(TRY_CAST(tsql_dt_shape(s, o) AS TIMESTAMP), lo, hi);",
        $"CREATE MACRO tsql_dt_o(s, o, lo, hi) AS CASE WHEN s IS NULL THEN NULL WHEN tsql_dt_shape(s, o) IS NULL THEN {SqlText.Raise(241, "Conversion failed when converting date and/or time from character string.")} " +
            $"ELSE coalesce(tsql_try_dt_o(s, o, lo, hi), {SqlText.Raise(242, "The conversion of a varchar data type to a datetime data type resulted in an out-of-range value.")}) END;",
        // A string read into datetime2(7) at run time: a non-zero 100-ns digit (other than the
        // maximum's) or the maximum's stand-in instant cannot be held exactly; refuse, naming the place.
        "CREATE MACRO tsql_ts7_guard(s, v) AS CASE " +
            @"WHEN regexp_matches(CAST(s AS VARCHAR), ':[0-9][0-9]\.[0-9]{6}[0-9]*[1-9]') AND NOT regexp_matches(trim(CAST(s AS VARCHAR)), '^9999-12-31[ T]23:59:59\.99999990*$') " +
            $"THEN error('{SqlText.UnsupportedMarker}the datetime2(7) value ''' || s || ''' (a non-zero 7th fractional-second digit, 100 ns; DuckDB keeps microseconds)') " +
            @"WHEN regexp_matches(trim(CAST(s AS VARCHAR)), '^9999-12-31[ T]23:59:59\.999999$') " +
            $"THEN error('{SqlText.UnsupportedMarker}the datetime2(7) value ''' || s || ''' (the sandbox cannot tell it apart from the maximum 9999-12-31 23:59:59.9999999)') " +
            "ELSE v END;",
        @"CREATE MACRO tsql_try_int(s) AS CASE WHEN regexp_full_match(CAST(s AS VARCHAR), '\s*[-+]?[0-9]+\s*') THEN TRY_CAST(trim(CAST(s AS VARCHAR)) AS HUGEINT) ELSE NULL END;",
        @"CREATE MACRO tsql_int(s, t) AS CASE WHEN s IS NULL THEN NULL WHEN regexp_full_match(CAST(s AS VARCHAR), '\s*[-+]?[0-9]+\s*') THEN CAST(trim(CAST(s AS VARCHAR)) AS HUGEINT) ELSE error('[[245]]Conversion failed when converting the varchar value ''' || s || ''' to data type ' || t || '.') END;",
        @"CREATE MACRO tsql_try_num(s) AS CASE WHEN regexp_full_match(CAST(s AS VARCHAR), '\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*') THEN TRY_CAST(trim(CAST(s AS VARCHAR)) AS DOUBLE) ELSE NULL END;",
        @"CREATE MACRO tsql_num_text(s) AS CASE WHEN s IS NULL THEN NULL WHEN regexp_full_match(CAST(s AS VARCHAR), '\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)\s*') THEN trim(CAST(s AS VARCHAR)) ELSE error('[[8114]]Error converting data type varchar to numeric.') END;",
        @"CREATE MACRO tsql_try_num_text(s) AS CASE WHEN regexp_full_match(CAST(s AS VARCHAR), '\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)\s*') THEN trim(CAST(s AS VARCHAR)) ELSE NULL END;",
        @"CREATE MACRO tsql_float(s) AS CASE WHEN s IS NULL THEN NULL ELSE coalesce(tsql_try_num(s), error('[[8114]]Error converting data type varchar to float.')) END;",
        // datetime keeps 1/300 s ticks, shown rounded to milliseconds (.000, .003, .007).
        "CREATE MACRO tsql_datetime(ts) AS make_timestamp(CAST(round(round(epoch_us(CAST(ts AS TIMESTAMP)) * 300.0 / 1000000) * 1000000 / 300 / 1000) * 1000 AS BIGINT));",
        "CREATE MACRO tsql_smalldatetime(ts) AS make_timestamp(CAST(round(epoch_us(CAST(ts AS TIMESTAMP)) / 60000000.0) * 60000000 AS BIGINT));",
        // float/real → string (style 0): at most 6 significant digits, scientific with a 3-digit exponent.
        @"CREATE MACRO tsql_float_str(x) AS regexp_replace(regexp_replace(format('{:.6g}', CAST(x AS DOUBLE)), 'e([+-])([0-9])$', 'e\100\2'), 'e([+-])([0-9][0-9])$', 'e\10\2');",
        // datetime/smalldatetime → string (style 0/100): 'mon dd yyyy hh:miAM'.
        "CREATE MACRO tsql_datetime_str(x) AS strftime(x, '%b ') || lpad(CAST(day(x) AS VARCHAR), 2, ' ') || strftime(x, ' %Y ') || lpad(CAST(((hour(x) + 11) % 12) + 1 AS VARCHAR), 2, ' ') || strftime(x, ':%M%p');",
        // DATEPART(week): weeks start on Sunday (DATEFIRST 7) and 1 January is in week 1.
        "CREATE MACRO tsql_week(d) AS ((dayofyear(d) + dayofweek(make_date(year(d), 1, 1)) - 1) // 7) + 1;",
        // DATEDIFF(week): Sundays crossed.
        "CREATE MACRO tsql_weekdiff(a, b) AS (date_diff('day', CAST(a AS DATE), CAST(b AS DATE)) + dayofweek(CAST(a AS DATE)) - dayofweek(CAST(b AS DATE))) // 7;",
        // Assignment to (n)varchar(n): SQL Server raises 2628 unless only trailing spaces are cut.
        "CREATE MACRO tsql_fit(v, n, tbl, col) AS CASE WHEN length(rtrim(v)) > n THEN error('[[2628]]String or binary data would be truncated in table ''' || tbl || ''', column ''' || col || '''. Truncated value: ''' || left(v, n) || '''.') WHEN length(v) > n THEN left(v, n) ELSE v END;",
    };
}
