namespace EtlAgent.Core.Translation;

/// <summary>
/// DuckDB macros every sandbox database defines: the runtime half of the T-SQL semantics the
/// translator cannot settle statically (errors on divide by zero, conversions SQL Server accepts).
/// </summary>
public static class Macros
{
    public static readonly string Script = string.Join("\n", new[]
    {
        $"CREATE MACRO tsql_idiv(a, b) AS CASE WHEN b = 0 THEN {SqlText.Raise(8134, "Divide by zero error encountered.")} ELSE a // b END;",
        $"CREATE MACRO tsql_div(a, b) AS CASE WHEN b = 0 THEN {SqlText.Raise(8134, "Divide by zero error encountered.")} ELSE a / b END;",
        $"CREATE MACRO tsql_mod(a, b) AS CASE WHEN b = 0 THEN {SqlText.Raise(8134, "Divide by zero error encountered.")} ELSE a % b END;",
        "CREATE MACRO tsql_try_ts(s) AS coalesce(" +
            @"TRY_CAST(regexp_replace(trim(s), '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMP), " +
            "try_strptime(trim(s), '%Y%m%d'), try_strptime(trim(s), '%Y%m%d %H:%M:%S'), " +
            "try_strptime(trim(s), '%m/%d/%Y'), try_strptime(trim(s), '%m/%d/%Y %H:%M:%S'), " +
            "try_strptime(trim(s), '%Y-%B-%d'), try_strptime(trim(s), '%Y-%b-%d'), " +
            "try_strptime(trim(s), '%d %B %Y'), try_strptime(trim(s), '%d %b %Y'), " +
            "try_strptime(trim(s), '%B %d, %Y'), try_strptime(trim(s), '%b %d, %Y'), try_strptime(trim(s), '%B %d %Y'), try_strptime(trim(s), '%b %d %Y'));",
        $"CREATE MACRO tsql_ts(s) AS CASE WHEN s IS NULL THEN NULL ELSE coalesce(tsql_try_ts(s), {SqlText.Raise(241, "Conversion failed when converting date and/or time from character string.")}) END;",
        @"CREATE MACRO tsql_try_int(s) AS CASE WHEN regexp_full_match(CAST(s AS VARCHAR), '\s*[-+]?[0-9]+\s*') THEN TRY_CAST(trim(CAST(s AS VARCHAR)) AS HUGEINT) ELSE NULL END;",
        @"CREATE MACRO tsql_int(s, t) AS CASE WHEN s IS NULL THEN NULL WHEN regexp_full_match(CAST(s AS VARCHAR), '\s*[-+]?[0-9]+\s*') THEN CAST(trim(CAST(s AS VARCHAR)) AS HUGEINT) ELSE error('[[245]]Conversion failed when converting the varchar value ''' || s || ''' to data type ' || t || '.') END;",
        @"CREATE MACRO tsql_try_num(s) AS CASE WHEN regexp_full_match(CAST(s AS VARCHAR), '\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*') THEN TRY_CAST(trim(CAST(s AS VARCHAR)) AS DOUBLE) ELSE NULL END;",
        @"CREATE MACRO tsql_num_text(s) AS CASE WHEN s IS NULL THEN NULL WHEN regexp_full_match(CAST(s AS VARCHAR), '\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)\s*') THEN trim(CAST(s AS VARCHAR)) ELSE error('[[8114]]Error converting data type varchar to numeric.') END;",
        @"CREATE MACRO tsql_try_num_text(s) AS CASE WHEN regexp_full_match(CAST(s AS VARCHAR), '\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)\s*') THEN trim(CAST(s AS VARCHAR)) ELSE NULL END;",
        @"CREATE MACRO tsql_float(s) AS CASE WHEN s IS NULL THEN NULL ELSE coalesce(tsql_try_num(s), error('[[8114]]Error converting data type varchar to float.')) END;",
        // DATEPART(week): weeks start on Sunday (DATEFIRST 7) and 1 January is in week 1.
        "CREATE MACRO tsql_week(d) AS ((dayofyear(d) + dayofweek(make_date(year(d), 1, 1)) - 1) // 7) + 1;",
        // DATEDIFF(week): Sundays crossed.
        "CREATE MACRO tsql_weekdiff(a, b) AS (date_diff('day', CAST(a AS DATE), CAST(b AS DATE)) + dayofweek(CAST(a AS DATE)) - dayofweek(CAST(b AS DATE))) // 7;",
        // Assignment to (n)varchar(n): SQL Server raises 2628 unless only trailing spaces are cut.
        "CREATE MACRO tsql_fit(v, n, tbl, col) AS CASE WHEN length(rtrim(v)) > n THEN error('[[2628]]String or binary data would be truncated in table ''' || tbl || ''', column ''' || col || '''. Truncated value: ''' || left(v, n) || '''.') WHEN length(v) > n THEN left(v, n) ELSE v END;",
    });
}
