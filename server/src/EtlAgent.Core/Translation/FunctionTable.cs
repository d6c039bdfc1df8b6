using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>
/// Built-in T-SQL functions → DuckDB, as a table keyed by function name. Each entry gets the
/// translator, the call node, the scope and the translated arguments; it returns SQL and type.
/// </summary>
public static class FunctionTable
{
    private delegate Tx Rule(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a);

    private static SqlType V(int n) => new("nvarchar", n);

    private static Tx Simple(string duck, SqlType? type, List<Tx> a) => new($"{duck}({string.Join(", ", a.Select(x => x.Sql))})", type);

    private static readonly Dictionary<string, Rule> Rules = new(StringComparer.OrdinalIgnoreCase)
    {
        // Strings
        ["LEN"] = (t, f, s, a) => new($"CAST(length(rtrim({t.AsText(a[0])})) AS INTEGER)", SqlTranslator.Int),
        ["DATALENGTH"] = (t, f, s, a) => a[0].Type?.IsString == true
            ? new($"CAST(length({a[0].Sql}) * {(a[0].Type.IsUnicode ? 2 : 1)} AS INTEGER)", SqlTranslator.Int)
            : new($"CAST(octet_length(CAST({a[0].Sql} AS BLOB)) AS INTEGER)", SqlTranslator.Int),
        ["LTRIM"] = (t, f, s, a) => a.Count == 1 ? new($"ltrim({t.AsText(a[0])})", SqlTranslator.StringResult(a[0])) : new($"ltrim({t.AsText(a[0])}, {a[1].Sql})", SqlTranslator.StringResult(a[0])),
        ["RTRIM"] = (t, f, s, a) => a.Count == 1 ? new($"rtrim({t.AsText(a[0])})", SqlTranslator.StringResult(a[0])) : new($"rtrim({t.AsText(a[0])}, {a[1].Sql})", SqlTranslator.StringResult(a[0])),
        ["TRIM"] = (t, f, s, a) => new($"trim({t.AsText(a[0])})", SqlTranslator.StringResult(a[0])),
        ["UPPER"] = (t, f, s, a) => new($"upper({t.AsText(a[0])})", SqlTranslator.StringResult(a[0])),
        ["LOWER"] = (t, f, s, a) => new($"lower({t.AsText(a[0])})", SqlTranslator.StringResult(a[0])),
        // of binary: bytes, through their hex digits (two per byte)
        ["SUBSTRING"] = (t, f, s, a) => a[0].Type is { IsBinary: true } bin
            ? new($"CASE WHEN {a[2].Sql} < 0 THEN {Raise(537, "Invalid length parameter passed to the LEFT or SUBSTRING function.")} ELSE unhex(substring(hex({a[0].Sql}), CAST(2 * greatest({a[1].Sql}, 1) - 1 AS BIGINT), CAST(2 * greatest(0, {a[2].Sql} - (greatest({a[1].Sql}, 1) - {a[1].Sql})) AS BIGINT))) END", new SqlType("varbinary", bin.Length))
            : new($"CASE WHEN {a[2].Sql} < 0 THEN {Raise(537, "Invalid length parameter passed to the LEFT or SUBSTRING function.")} ELSE substring({t.AsText(a[0])}, CAST(greatest({a[1].Sql}, 1) AS BIGINT), CAST(greatest(0, {a[2].Sql} - (greatest({a[1].Sql}, 1) - {a[1].Sql})) AS BIGINT)) END", SqlTranslator.StringResult(a[0])),
        ["REPLACE"] = (t, f, s, a) => a[1].StringConstant is { } pat && pat.Length > 0
            ? new($"regexp_replace({t.AsText(a[0])}, {Str(System.Text.RegularExpressions.Regex.Escape(pat))}, {(a[2].StringConstant is { } rep ? Str(rep.Replace("\\", "\\\\")) : "replace(" + t.AsText(a[2]) + ", '\\', '\\\\')")}, 'gi')", SqlTranslator.StringResult(a[0]) with { Length = SqlType.Max })
            : new($"replace({t.AsText(a[0])}, {t.AsText(a[1])}, {t.AsText(a[2])})", SqlTranslator.StringResult(a[0]) with { Length = SqlType.Max }),
        ["CHARINDEX"] = (t, f, s, a) => a[0].StringConstant == "" ? new("CAST(0 AS INTEGER)", SqlTranslator.Int) : a.Count == 2
            ? new($"CAST(instr(lower({t.AsText(a[1])}), lower({t.AsText(a[0])})) AS INTEGER)", SqlTranslator.Int)
            : new($"CAST(CASE WHEN instr(lower(substring({t.AsText(a[1])}, greatest({a[2].Sql}, 1))), lower({t.AsText(a[0])})) = 0 THEN 0 ELSE instr(lower(substring({t.AsText(a[1])}, greatest({a[2].Sql}, 1))), lower({t.AsText(a[0])})) + greatest({a[2].Sql}, 1) - 1 END AS INTEGER)", SqlTranslator.Int),
        ["PATINDEX"] = (t, f, s, a) => a[0].StringConstant is { } p
            ? new($"CAST(coalesce(nullif(length(regexp_extract({t.AsText(a[1])}, {Str("^(.*?)" + SqlTranslator.LikeToRegex(p.Trim('%')))}, 1, 'is')) + 1, 1) * CASE WHEN regexp_full_match({t.AsText(a[1])}, {Str(SqlTranslator.LikeToRegex(p))}, 'is') THEN 1 ELSE 0 END, 0) AS INTEGER)", SqlTranslator.Int)
            : throw t.Unsupported("PATINDEX with a non-constant pattern", f),
        ["REPLICATE"] = (t, f, s, a) => new($"CASE WHEN {a[1].Sql} < 0 THEN NULL ELSE repeat({t.AsText(a[0])}, CAST({a[1].Sql} AS BIGINT)) END", SqlTranslator.StringResult(a[0]) with { Length = SqlType.Max }),
        ["SPACE"] = (t, f, s, a) => new($"CASE WHEN {a[0].Sql} < 0 THEN NULL ELSE repeat(' ', CAST({a[0].Sql} AS BIGINT)) END", new SqlType("varchar", SqlType.Max)),
        ["REVERSE"] = (t, f, s, a) => new($"reverse({t.AsText(a[0])})", SqlTranslator.StringResult(a[0])),
        ["STUFF"] = (t, f, s, a) => new($"(left({t.AsText(a[0])}, {a[1].Sql} - 1) || {t.AsText(a[3])} || substring({t.AsText(a[0])}, {a[1].Sql} + {a[2].Sql}))", SqlTranslator.NVarMax),
        // nvarchar when an argument is, else varchar (HASHBYTES sees the difference)
        ["CONCAT"] = (t, f, s, a) => new($"concat({string.Join(", ", a.Select(t.AsText))})", a.Any(x => x.Type?.IsUnicode == true) ? SqlTranslator.NVarMax : SqlTranslator.VarMax),
        ["CONCAT_WS"] = (t, f, s, a) => new($"concat_ws({string.Join(", ", a.Select(t.AsText))})", a.Any(x => x.Type?.IsUnicode == true) ? SqlTranslator.NVarMax : SqlTranslator.VarMax),
        ["UNICODE"] = (t, f, s, a) => new($"CAST(unicode({a[0].Sql}) AS INTEGER)", SqlTranslator.Int),
        ["ASCII"] = (t, f, s, a) => new($"CAST(ascii({a[0].Sql}) AS INTEGER)", SqlTranslator.Int),
        ["CHAR"] = (t, f, s, a) => new($"CASE WHEN {a[0].Sql} BETWEEN 0 AND 255 THEN chr(CAST({a[0].Sql} AS INTEGER)) END", new SqlType("char", 1)),
        ["NCHAR"] = (t, f, s, a) => new($"chr(CAST({a[0].Sql} AS INTEGER))", new SqlType("nchar", 1)),
        ["QUOTENAME"] = (t, f, s, a) => new($"('[' || replace({t.AsText(a[0])}, ']', ']]') || ']')", V(258)),
        ["STRING_AGG"] = (t, f, s, a) =>
        {
            string order = f.WithinGroupClause is null ? "" : " " + t.OrderBy(f.WithinGroupClause.OrderByClause, s);
            return new($"string_agg({t.AsText(a[0])}, {a[1].Sql}{order})", SqlTranslator.NVarMax);
        },
        ["FORMAT"] = Format,
        ["HASHBYTES"] = HashFunctions.HashBytes,
        // the number is a float (text converts as to float, with its error); length and decimals are integers
        ["STR"] = (t, f, s, a) => new($"tsql_str({t.Cast(a[0], SqlTranslator.Float, false, null, f).Sql}, CAST({(a.Count > 1 ? a[1].Sql : "10")} AS INTEGER), CAST({(a.Count > 2 ? a[2].Sql : "0")} AS INTEGER))",
            new SqlType("varchar", a.Count > 1 && f.Parameters[1] is IntegerLiteral { Value: var n } && int.TryParse(n, out var length) && length > 0 ? length : 10)),

        // NULL handling and choice
        ["ISNULL"] = (t, f, s, a) => a[0].Type is null ? new($"coalesce({a[0].Sql}, {a[1].Sql})", a[1].Type)
            : new($"coalesce({a[0].Sql}, {t.Cast(a[1], a[0].Type, false, null, f).Sql})", a[0].Type),
        ["CHOOSE"] = (t, f, s, a) =>
        {
            var branches = a.Skip(1).ToList();
            var type = SqlTranslator.Dominant(branches);
            return new($"CASE CAST({a[0].Sql} AS INTEGER) {string.Join(" ", branches.Select((b, i) => $"WHEN {i + 1} THEN {t.Coerce(b, type, f).Sql}"))} END", type);
        },
        ["ISNUMERIC"] = (t, f, s, a) => new($"CASE WHEN tsql_try_num({a[0].Sql}) IS NULL THEN 0 ELSE 1 END", SqlTranslator.Int),
        // ISDATE answers for datetime: its range (from 1753) and at most 3 fractional digits
        ["ISDATE"] = (t, f, s, a) => new($"CASE WHEN trim(CAST({a[0].Sql} AS VARCHAR)) = '' OR tsql_try_dt_o({a[0].Sql}, 'mdy', TIMESTAMP '1753-01-01', TIMESTAMP '9999-12-31 23:59:59.997') IS NULL THEN 0 ELSE 1 END", SqlTranslator.Int),

        // Math
        ["ABS"] = (t, f, s, a) => new($"abs({a[0].Sql})", a[0].Type),
        ["CEILING"] = (t, f, s, a) => new($"ceil({a[0].Sql})", a[0].Type?.IsDecimal == true ? a[0].Type with { Scale = 0 } : a[0].Type),
        ["FLOOR"] = (t, f, s, a) => new($"floor({a[0].Sql})", a[0].Type?.IsDecimal == true ? a[0].Type with { Scale = 0 } : a[0].Type),
        ["ROUND"] = (t, f, s, a) =>
        {
            // SQL Server keeps the argument's type: ROUND(123.456, 2) is 123.460.
            string sql = a.Count > 2
                ? $"CASE WHEN {a[2].Sql} = 0 THEN round({a[0].Sql}, CAST({a[1].Sql} AS INTEGER)) ELSE trunc({a[0].Sql} * power(10, {a[1].Sql})) / power(10, {a[1].Sql}) END"
                : $"round({a[0].Sql}, CAST({a[1].Sql} AS INTEGER))";
            return a[0].Type is { } rt && (rt.IsDecimal || rt.IsInteger || rt.Name is "money") ? new($"CAST({sql} AS {DuckTypes.Of(rt)})", rt) : new(sql, a[0].Type);
        },
        ["POWER"] = (t, f, s, a) => new(a[0].Type?.IsInteger == true ? $"CAST(trunc(power({a[0].Sql}, {a[1].Sql})) AS {DuckTypes.Of(a[0].Type)})" : $"power({a[0].Sql}, {a[1].Sql})", a[0].Type ?? SqlTranslator.Float),
        ["SQRT"] = (t, f, s, a) => new($"CASE WHEN {a[0].Sql} < 0 THEN {Raise(3623, "An invalid floating point operation occurred.")} ELSE sqrt({a[0].Sql}) END", SqlTranslator.Float),
        ["SQUARE"] = (t, f, s, a) => new($"({a[0].Sql} * {a[0].Sql})", SqlTranslator.Float),
        ["SIGN"] = (t, f, s, a) => new($"sign({a[0].Sql})", a[0].Type),
        ["EXP"] = (t, f, s, a) => Simple("exp", SqlTranslator.Float, a),
        ["LOG"] = (t, f, s, a) => new($"CASE WHEN {a[0].Sql} <= 0 THEN {Raise(3623, "An invalid floating point operation occurred.")} ELSE {(a.Count == 1 ? $"ln({a[0].Sql})" : $"(ln({a[0].Sql}) / ln({a[1].Sql}))")} END", SqlTranslator.Float),
        ["LOG10"] = (t, f, s, a) => new($"CASE WHEN {a[0].Sql} <= 0 THEN {Raise(3623, "An invalid floating point operation occurred.")} ELSE log10({a[0].Sql}) END", SqlTranslator.Float),
        ["PI"] = (t, f, s, a) => new("pi()", SqlTranslator.Float),

        // Dates
        ["GETDATE"] = (t, f, s, a) => Now(t, SqlTranslator.DateTimeT),
        ["CURRENT_TIMESTAMP"] = (t, f, s, a) => Now(t, SqlTranslator.DateTimeT),
        ["SYSDATETIME"] = (t, f, s, a) => Now(t, SqlTranslator.DateTime2, f),
        ["GETUTCDATE"] = (t, f, s, a) => Now(t, SqlTranslator.DateTimeT),
        ["SYSUTCDATETIME"] = (t, f, s, a) => Now(t, SqlTranslator.DateTime2, f),
        ["SYSDATETIMEOFFSET"] = (t, f, s, a) => { Now(t, SqlTranslator.DateTime2, f); return new(Literal(new DateTimeOffset(t.Env.Clock, TimeSpan.Zero), new SqlType("datetimeoffset")), new SqlType("datetimeoffset")); },
        ["YEAR"] = (t, f, s, a) => new($"CAST(year({AsDate(t, a[0], f)}) AS INTEGER)", SqlTranslator.Int),
        ["MONTH"] = (t, f, s, a) => new($"CAST(month({AsDate(t, a[0], f)}) AS INTEGER)", SqlTranslator.Int),
        ["DAY"] = (t, f, s, a) => new($"CAST(day({AsDate(t, a[0], f)}) AS INTEGER)", SqlTranslator.Int),
        ["EOMONTH"] = (t, f, s, a) => new($"CAST(last_day(CAST({AsDate(t, a[0], f)} AS DATE){(a.Count > 1 ? $" + to_months(CAST({a[1].Sql} AS INTEGER))" : "")}) AS DATE)", SqlTranslator.Date),
        // a part out of range (year 0, 13th month, 30 February) is error 289, as in SQL Server
        ["DATEFROMPARTS"] = (t, f, s, a) => new($"CASE WHEN {a[0].Sql} IS NULL OR {a[1].Sql} IS NULL OR {a[2].Sql} IS NULL THEN CAST(NULL AS DATE) ELSE coalesce(CASE WHEN {a[0].Sql} BETWEEN 1 AND 9999 AND {a[1].Sql} BETWEEN 1 AND 12 AND {a[2].Sql} BETWEEN 1 AND 31 " +
            $"THEN TRY_CAST(printf('%04d-%02d-%02d', CAST({a[0].Sql} AS BIGINT), CAST({a[1].Sql} AS BIGINT), CAST({a[2].Sql} AS BIGINT)) AS DATE) END, {Raise(289, "Cannot construct data type date, some of the arguments have values which are not valid.")}) END", SqlTranslator.Date),
        ["DATETIMEFROMPARTS"] = (t, f, s, a) => new($"make_timestamp(CAST({a[0].Sql} AS BIGINT), CAST({a[1].Sql} AS BIGINT), CAST({a[2].Sql} AS BIGINT), CAST({a[3].Sql} AS BIGINT), CAST({a[4].Sql} AS BIGINT), {a[5].Sql} + {a[6].Sql} / 1000.0)", SqlTranslator.DateTimeT),
        ["DATETIME2FROMPARTS"] = (t, f, s, a) => new($"make_timestamp(CAST({a[0].Sql} AS BIGINT), CAST({a[1].Sql} AS BIGINT), CAST({a[2].Sql} AS BIGINT), CAST({a[3].Sql} AS BIGINT), CAST({a[4].Sql} AS BIGINT), {a[5].Sql} + {a[6].Sql} / power(10, {a[7].Sql}))", SqlTranslator.DateTime2),
        ["TIMEFROMPARTS"] = (t, f, s, a) => new($"make_time(CAST({a[0].Sql} AS BIGINT), CAST({a[1].Sql} AS BIGINT), {a[2].Sql} + {a[3].Sql} / power(10, {a[4].Sql}))", new SqlType("time")),

        // Identity, errors, session
        ["SCOPE_IDENTITY"] = (t, f, s, a) => Intrinsic(t, f, "SCOPE_IDENTITY"),
        // @@ROWCOUNT as bigint
        ["ROWCOUNT_BIG"] = (t, f, s, a) => new($"CAST({Intrinsic(t, f, "@@ROWCOUNT").Sql} AS BIGINT)", SqlTranslator.BigInt),
        ["IDENT_CURRENT"] = (t, f, s, a) => throw t.Unsupported("IDENT_CURRENT", f),
        ["ERROR_NUMBER"] = (t, f, s, a) => Intrinsic(t, f, "ERROR_NUMBER"),
        ["ERROR_MESSAGE"] = (t, f, s, a) => Intrinsic(t, f, "ERROR_MESSAGE"),
        ["ERROR_LINE"] = (t, f, s, a) => Intrinsic(t, f, "ERROR_LINE"),
        ["ERROR_SEVERITY"] = (t, f, s, a) => Intrinsic(t, f, "ERROR_SEVERITY"),
        ["ERROR_STATE"] = (t, f, s, a) => Intrinsic(t, f, "ERROR_STATE"),
        ["ERROR_PROCEDURE"] = (t, f, s, a) => Intrinsic(t, f, "ERROR_PROCEDURE"),
        ["XACT_STATE"] = (t, f, s, a) => Intrinsic(t, f, "XACT_STATE"),
        ["@@TRANCOUNT"] = (t, f, s, a) => Intrinsic(t, f, "@@TRANCOUNT"),
        ["ISJSON"] = JsonFunctions.IsJson,
        ["JSON_VALUE"] = JsonFunctions.JsonValue,
        ["JSON_QUERY"] = JsonFunctions.JsonQuery,
        ["JSON_OBJECT"] = JsonFunctions.JsonObject,
        ["JSON_ARRAY"] = JsonFunctions.JsonArray,
        ["OBJECT_ID"] = MetadataFunctions.ObjectId,
        ["OBJECT_NAME"] = MetadataFunctions.ObjectName,
        ["OBJECT_SCHEMA_NAME"] = MetadataFunctions.ObjectSchemaName,
        ["SCHEMA_NAME"] = MetadataFunctions.SchemaName,
        ["SCHEMA_ID"] = MetadataFunctions.SchemaId,
        ["COL_LENGTH"] = MetadataFunctions.ColLength,
        ["CURSOR_STATUS"] = MetadataFunctions.CursorStatus,
        ["DB_NAME"] = (t, f, s, a) => new(Str("Sandbox"), V(128)),
        // the sandbox database's id (the first user database's, as on a fresh server); another database is not here
        ["DB_ID"] = (t, f, s, a) => a.Count > 0 ? throw t.Unsupported("DB_ID of a named database", f) : new(SystemViews.SandboxDatabaseId.ToString(), new SqlType("int")),
        ["SUSER_SNAME"] = (t, f, s, a) => new(Str("sandbox"), V(128)),
        ["SUSER_NAME"] = (t, f, s, a) => new(Str("sandbox"), V(128)),
        // the login that opened the session: the same as SUSER_SNAME() where nothing runs EXECUTE AS (the sandbox)
        ["ORIGINAL_LOGIN"] = (t, f, s, a) => new(Str("sandbox"), V(128)),
        ["USER_NAME"] = (t, f, s, a) => new(Str("dbo"), V(128)),
        ["HOST_NAME"] = (t, f, s, a) => new(Str("sandbox"), V(128)),
        ["APP_NAME"] = (t, f, s, a) => new(Str("EtlAgent"), V(128)),
        // n random bytes, repeatable per run like NEWID: md5 blocks of the seed, the call and a counter
        // (the call's own number keeps two calls in one row apart: DuckDB computes equal expressions once)
        ["CRYPT_GEN_RANDOM"] = (t, f, s, a) => a.Count > 1 ? throw t.Unsupported("CRYPT_GEN_RANDOM with a seed", f)
            // a literal length (a column DEFAULT such as CRYPT_GEN_RANDOM(4096)): md5 blocks written out, no lambda, reading the
            // case's seed, so the same prepared DDL serves every case
            : f.Parameters[0] is IntegerLiteral { Value: var lit } && int.TryParse(lit, out int n) ? CryptGenRandom(n)
            : new($"CASE WHEN {a[0].Sql} BETWEEN 1 AND 8000 THEN unhex(left(array_to_string(list_transform(range(CAST(ceil({a[0].Sql} / 16.0) AS BIGINT)), i -> md5('{t.Env.Seed}-r{t.Env.UniqueId()}-' || CAST(nextval('__newid') AS VARCHAR) || '-' || CAST(i AS VARCHAR))), ''), CAST(2 * {a[0].Sql} AS BIGINT))) END", new SqlType("varbinary", 8000)),
        ["NEWID"] = (t, f, s, a) => new($"CAST(md5('{t.Env.Seed}-' || CAST(nextval('__newid') AS VARCHAR)) AS UUID)", SqlTranslator.Guid),
        

        // Aggregates (SQL Server result types)
        ["COUNT"] = (t, f, s, a) => new($"CAST(count({Distinct(f)}{(a.Count == 0 || a[0].Sql == "*" ? "*" : a[0].Sql)}) AS INTEGER)", SqlTranslator.Int),
        ["COUNT_BIG"] = (t, f, s, a) => new($"CAST(count({Distinct(f)}{(a.Count == 0 || a[0].Sql == "*" ? "*" : a[0].Sql)}) AS BIGINT)", SqlTranslator.BigInt),
        ["SUM"] = (t, f, s, a) => a[0].Type switch
        {
            { IsInteger: true, Name: "bigint" } => new($"CAST(sum({Distinct(f)}{a[0].Sql}) AS BIGINT)", SqlTranslator.BigInt),
            { IsInteger: true } => new($"CAST(sum({Distinct(f)}{a[0].Sql}) AS INTEGER)", SqlTranslator.Int),
            { IsDecimal: true } dt => new($"CAST(sum({Distinct(f)}{a[0].Sql}) AS DECIMAL(38,{dt.Scale ?? 0}))", new SqlType("decimal", null, 38, dt.Scale ?? 0)),
            _ => new($"sum({Distinct(f)}{a[0].Sql})", a[0].Type),
        },
        ["AVG"] = (t, f, s, a) => a[0].Type switch
        {
            { IsInteger: true } it => new($"CAST(trunc(avg({Distinct(f)}{a[0].Sql})) AS {DuckTypes.Of(it.Name == "bit" ? SqlTranslator.Int : it)})", it.Name is "bigint" ? SqlTranslator.BigInt : SqlTranslator.Int),
            { IsDecimal: true } dt => new($"CAST(avg({Distinct(f)}{a[0].Sql}) AS DECIMAL(38,{Math.Max(6, dt.Scale ?? 0)}))", new SqlType("decimal", null, 38, Math.Max(6, dt.Scale ?? 0))),
            _ => new($"avg({Distinct(f)}{a[0].Sql})", SqlTranslator.Float),
        },
        ["MIN"] = (t, f, s, a) => new($"min({a[0].Sql})", a[0].Type),
        ["MAX"] = (t, f, s, a) => new($"max({a[0].Sql})", a[0].Type),
        ["STDEV"] = (t, f, s, a) => Simple("stddev_samp", SqlTranslator.Float, a),
        ["STDEVP"] = (t, f, s, a) => Simple("stddev_pop", SqlTranslator.Float, a),
        ["VAR"] = (t, f, s, a) => Simple("var_samp", SqlTranslator.Float, a),
        ["VARP"] = (t, f, s, a) => Simple("var_pop", SqlTranslator.Float, a),

        // Window-only functions
        ["ROW_NUMBER"] = (t, f, s, a) => new("row_number()", SqlTranslator.BigInt),
        ["RANK"] = (t, f, s, a) => new("rank()", SqlTranslator.BigInt),
        ["DENSE_RANK"] = (t, f, s, a) => new("dense_rank()", SqlTranslator.BigInt),
        ["NTILE"] = (t, f, s, a) => new($"ntile({a[0].Sql})", SqlTranslator.BigInt),
        ["LAG"] = (t, f, s, a) => new($"lag({string.Join(", ", a.Select((x, i) => i == 2 ? t.Coerce(x, a[0].Type, f).Sql : x.Sql))})", a[0].Type),
        ["LEAD"] = (t, f, s, a) => new($"lead({string.Join(", ", a.Select((x, i) => i == 2 ? t.Coerce(x, a[0].Type, f).Sql : x.Sql))})", a[0].Type),
        ["FIRST_VALUE"] = (t, f, s, a) => new($"first_value({a[0].Sql})", a[0].Type),
        ["LAST_VALUE"] = (t, f, s, a) => new($"last_value({a[0].Sql})", a[0].Type),
    };

    /// <summary>
    /// The case's clock. GETDATE() rounds it to datetime's 1/300 s; SYSDATETIME() shows all 7 digits,
    /// so a clock with a non-zero 100-ns digit is refused there (DuckDB keeps microseconds). In
    /// views and defaults the clock is a session variable, and the refusal happens at run time.
    /// </summary>
    private static Tx Now(SqlTranslator t, SqlType type, FunctionCall? at = null)
    {
        if (t.Env.ClockSql is { } clock)
            return new(type.Name == "datetime2"
                ? $"CASE WHEN getvariable('tsql_clock_100ns') THEN {RaiseUnsupported("SYSDATETIME() with a clock that has a non-zero 7th fractional-second digit (100 ns), in a view or default")} ELSE CAST({clock} AS TIMESTAMP) END"
                : $"CAST({clock} AS TIMESTAMP)", type);
        if (type.Name == "datetime2" && t.Env.Clock.Ticks % 10 != 0)
            throw new UnsupportedConstructException($"{at?.FunctionName.Value ?? "SYSDATETIME"}() with the clock {t.Env.Clock:yyyy-MM-dd HH:mm:ss.fffffff} (a non-zero 7th fractional-second digit, 100 ns)",
                at is null ? null : t.Env.LocationOf(at), "DuckDB keeps microseconds; give the test a clock with at most 6 fractional digits");
        return new(Literal(type.Name == "datetime2" ? t.Env.Clock : SqlTranslator.RoundFor(type, t.Env.Clock), type), type);
    }

    private static readonly HashSet<string> HierarchyIdMethods = new(StringComparer.OrdinalIgnoreCase)
    {
        "GetAncestor", "GetDescendant", "GetLevel", "GetReparentedValue", "GetRoot", "IsDescendantOf", "Parse",
    };

    private static readonly HashSet<string> Aggregates = new(StringComparer.OrdinalIgnoreCase)
    {
        "COUNT", "COUNT_BIG", "SUM", "AVG", "MIN", "MAX", "STRING_AGG", "STDEV", "STDEVP", "VAR", "VARP",
    };

    /// <summary>Whether a function of this name is an aggregate (without OVER).</summary>
    internal static bool IsAggregate(string name) => Aggregates.Contains(name);

    private static string Distinct(FunctionCall f) => f.UniqueRowFilter == UniqueRowFilter.Distinct ? "DISTINCT " : "";

    private static Tx Intrinsic(SqlTranslator t, FunctionCall f, string name)
    {
        var v = t.Env.Intrinsic(name) ?? throw t.Unsupported(name, f);
        return new(Literal(v.Value, v.Type), v.Type);
    }

    private static string AsDate(SqlTranslator t, Tx x, TSqlFragment at) =>
        x.Type?.IsString == true || x.Type is null && x.StringConstant is not null ? t.Cast(x, SqlTranslator.DateTimeT, false, null, at).Sql
        : x.Type?.IsInteger == true ? $"(TIMESTAMP '1900-01-01' + to_days(CAST({x.Sql} AS INTEGER)))" : x.Sql;

    private static Tx Format(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a)
    {
        var pattern = a[1].StringConstant ?? throw t.Unsupported("FORMAT with a non-constant format", f);
        var culture = FormatCulture.EnUs;
        if (a.Count > 2)
        {
            var name = a[2].StringConstant ?? throw t.Unsupported(a[2].IsNullLiteral || a[2].Sql.StartsWith("CAST(NULL", StringComparison.Ordinal) ? "FORMAT with a NULL culture" : "FORMAT with a culture that is not a constant", f);
            culture = FormatCulture.Find(name) ?? throw t.Unsupported($"FORMAT with culture '{name}'", f, "the sandbox implements en-US, en-GB, de-DE and ru-RU");
        }
        if (a[0].Type?.IsDateTime == true) return FormatDate(t, f, a[0].Sql, pattern, culture);
        if (!culture.EnglishNumbers) throw t.Unsupported($"FORMAT of a number with culture '{culture.Name}'", f);
        if (System.Text.RegularExpressions.Regex.Match(pattern, "^[NnFf]([0-9]?)$") is { Success: true } nm)
        {
            int d = nm.Groups[1].Value.Length == 0 ? 2 : int.Parse(nm.Groups[1].Value);
            string fmt = char.ToUpperInvariant(pattern[0]) == 'N' ? "{:,." + d + "f}" : "{:." + d + "f}";
            return new($"format({Str(fmt)}, CAST({a[0].Sql} AS DOUBLE))", SqlTranslator.NVarMax);
        }
        if (System.Text.RegularExpressions.Regex.Match(pattern, "^[Dd]([0-9]*)$") is { Success: true } dm)
            return new($"lpad(CAST({a[0].Sql} AS VARCHAR), {(dm.Groups[1].Value.Length == 0 ? 1 : int.Parse(dm.Groups[1].Value))}, '0')", SqlTranslator.NVarMax);
        if (System.Text.RegularExpressions.Regex.Match(pattern, "^(0+)(\\.(0+))?$") is { Success: true } zm)
        {
            int w = zm.Groups[1].Value.Length, d = zm.Groups[3].Value.Length;
            return new($"format({Str("{:0" + (w + (d > 0 ? d + 1 : 0)) + "." + d + "f}")}, CAST({a[0].Sql} AS DOUBLE))", SqlTranslator.NVarMax);
        }
        // 0.0##: the '#' places show only digits that are not trailing zeros, and the point goes when no digit follows it
        if (System.Text.RegularExpressions.Regex.Match(pattern, "^(0+)\\.(0*)(#+)$") is { Success: true } om)
        {
            int w = om.Groups[1].Value.Length, r = om.Groups[2].Value.Length, d = r + om.Groups[3].Value.Length;
            // an exact number rounds half away from zero, as .NET formats a decimal; a double only once, by the format
            var x = a[0].Type is { IsDecimal: true } or { IsInteger: true } || a[0].Type?.Name is "money" or "smallmoney" ? $"round({a[0].Sql}, {d})" : a[0].Sql;
            var full = $"format({Str("{:0" + (w + d + 1) + "." + d + "f}")}, CAST({x} AS DOUBLE))";
            return new(r == 0 ? $"regexp_replace({full}, {Str("\\.?0+$")}, '')" : $"regexp_replace({full}, {Str("(\\.[0-9]{" + r + "}[0-9]*?)0+$")}, {Str("\\1")})", SqlTranslator.NVarMax);
        }
        throw t.Unsupported($"FORMAT pattern '{pattern}'", f);
    }

    /// <summary>
    /// A date/time under a .NET pattern: the standard "d" (the culture's short date), or a custom
    /// pattern of the common tokens, "/" standing for the culture's date separator.
    /// </summary>
    private static Tx FormatDate(SqlTranslator t, FunctionCall f, string x, string pattern, FormatCulture culture)
    {
        if (pattern == "d") pattern = culture.ShortDate;
        else if (pattern.Length == 1) throw t.Unsupported($"FORMAT pattern '{pattern}'", f);
        // the month's name in a pattern with a day number is the genitive form (.NET's rule)
        bool genitive = System.Text.RegularExpressions.Regex.IsMatch(pattern, "(^|[^d])d{1,2}([^d]|$)");
        var map = new (string, string)[]
        {
            ("yyyy", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"), ("M", "%-m"), ("dddd", "%A"), ("ddd", "%a"), ("dd", "%d"), ("d", "%-d"),
            ("HH", "%H"), ("H", "%-H"), ("hh", "%I"), ("h", "%-I"), ("mm", "%M"), ("m", "%-M"), ("ss", "%S"), ("s", "%-S"), ("tt", "%p"),
        };
        var sb = new System.Text.StringBuilder();
        var parts = new List<string>();
        void Flush() { if (sb.Length > 0) parts.Add($"strftime({x}, {Str(sb.ToString())})"); sb.Clear(); }
        for (int i = 0; i < pattern.Length;)
        {
            if (pattern[i] == 'f')
            {
                // f…f (1 to 7): the fraction of the second, truncated to that many digits; the
                // sandbox keeps microseconds (a value with a 100-ns digit is refused before), so a 7th digit is 0
                int n = 0;
                while (i + n < pattern.Length && pattern[i + n] == 'f') n++;
                if (n > 7) throw t.Unsupported($"FORMAT pattern '{pattern}'", f);
                Flush();
                parts.Add(n == 7 ? $"(strftime({x}, '%f') || '0')" : $"substr(strftime({x}, '%f'), 1, {n})");
                i += n;
                continue;
            }
            var m = map.FirstOrDefault(p => string.CompareOrdinal(pattern, i, p.Item1, 0, p.Item1.Length) == 0);
            if (m.Item1 is not null)
            {
                if (!culture.EnglishNames && m.Item1 is "MMMM" or "dddd")
                {
                    Flush();
                    var names = m.Item1 == "dddd" ? culture.DayNames! : genitive ? culture.MonthGenitiveNames! : culture.MonthNames!;
                    string list = "[" + string.Join(", ", names.Select(Str)) + "]";
                    parts.Add(m.Item1 == "dddd" ? $"{list}[dayofweek({x}) + 1]" : $"{list}[month({x})]");
                }
                else if (!culture.EnglishNames && m.Item1 is "MMM" or "ddd" or "tt")
                    throw t.Unsupported($"FORMAT pattern '{pattern}' with culture '{culture.Name}'", f);
                else sb.Append(m.Item2);
                i += m.Item1.Length;
            }
            else if (char.IsLetter(pattern[i]) || pattern[i] is '\\' or '\'' or '"' or '%') throw t.Unsupported($"FORMAT pattern '{pattern}'", f);
            else { sb.Append(pattern[i] == '/' ? culture.DateSeparator : pattern[i].ToString()); i++; }
        }
        Flush();
        return new(parts.Count == 0 ? "''" : "(" + string.Join(" || ", parts) + ")", SqlTranslator.NVarMax);
    }

    /// <summary>How many arguments a built-in takes (Transact-SQL reference), for SQL Server's errors 174 and 189.</summary>
    private static readonly Dictionary<string, (int Min, int Max)> Arity = new(StringComparer.Ordinal)
    {
        ["LEN"] = (1, 1), ["DATALENGTH"] = (1, 1), ["LTRIM"] = (1, 2), ["RTRIM"] = (1, 2), ["UPPER"] = (1, 1), ["LOWER"] = (1, 1),
        ["SUBSTRING"] = (3, 3), ["REPLACE"] = (3, 3), ["CHARINDEX"] = (2, 3), ["PATINDEX"] = (2, 2), ["REPLICATE"] = (2, 2),
        ["SPACE"] = (1, 1), ["REVERSE"] = (1, 1), ["STUFF"] = (4, 4), ["CONCAT"] = (2, 254), ["CONCAT_WS"] = (3, 254),
        ["UNICODE"] = (1, 1), ["ASCII"] = (1, 1), ["CHAR"] = (1, 1), ["NCHAR"] = (1, 1), ["QUOTENAME"] = (1, 2),
        ["FORMAT"] = (2, 3), ["HASHBYTES"] = (2, 2), ["STR"] = (1, 3), ["ISNULL"] = (2, 2), ["ISNUMERIC"] = (1, 1), ["ISDATE"] = (1, 1),
        ["ABS"] = (1, 1), ["CEILING"] = (1, 1), ["FLOOR"] = (1, 1), ["ROUND"] = (2, 3), ["POWER"] = (2, 2), ["SQRT"] = (1, 1),
        ["SQUARE"] = (1, 1), ["SIGN"] = (1, 1), ["EXP"] = (1, 1), ["LOG"] = (1, 2), ["LOG10"] = (1, 1),
        ["YEAR"] = (1, 1), ["MONTH"] = (1, 1), ["DAY"] = (1, 1), ["EOMONTH"] = (1, 2), ["DATEFROMPARTS"] = (3, 3),
        ["DATETIMEFROMPARTS"] = (7, 7), ["DATETIME2FROMPARTS"] = (8, 8), ["TIMEFROMPARTS"] = (5, 5),
    };

    private static readonly HashSet<string> NumericArgument = new(StringComparer.Ordinal)
        { "ABS", "CEILING", "FLOOR", "ROUND", "POWER", "SQRT", "SQUARE", "SIGN", "EXP", "LOG", "LOG10" };

    public static Tx Translate(SqlTranslator t, FunctionCall f, Scope scope)
    {
        string name = f.FunctionName.Value;
        if (f.CallTarget is not null)
        {
            if (f.CallTarget is UserDefinedTypeCallTarget ut && ut.SchemaObjectName.BaseIdentifier.Value.Equals("geography", StringComparison.OrdinalIgnoreCase) && name.Equals("Point", StringComparison.OrdinalIgnoreCase))
            {
                var p = f.Parameters.Select(x => t.Expr(x, scope)).ToList();
                return new($"('POINT(' || CAST({p[1].Sql} AS VARCHAR) || ' ' || CAST({p[0].Sql} AS VARCHAR) || ')')", new SqlType("geography"));
            }
            if (f.CallTarget is MultiPartIdentifierCallTarget mp)
            {
                var qn = new QualifiedName(mp.MultiPartIdentifier.Identifiers[^1].Value, name);
                if (t.Env.Function(qn) is { } udf) return UserFunction(t, f, udf, scope);
            }
            if (f.CallTarget is ExpressionCallTarget or MultiPartIdentifierCallTarget && name.ToLowerInvariant() is "value" or "nodes" or "query" or "exist" or "modify")
                return t.XmlMethod(f, scope);
            if (HierarchyIdMethods.Contains(name))
                throw t.Unsupported($"hierarchyid method {name}()", f, "the sandbox has no hierarchyid type");
            throw t.Unsupported($"method or function call {f.CallTarget.GetType().Name.Replace("CallTarget", "")}::{name}", f);
        }
        var upper = name.ToUpperInvariant();
        if (upper is "DATEADD" or "DATEDIFF" or "DATEDIFF_BIG" or "DATEPART" or "DATENAME" or "DATETRUNC")
            return DateFunction(t, f, upper, scope);
        if (!Rules.TryGetValue(upper, out var rule))
        {
            if (t.Env.Function(new QualifiedName(null, name)) is { } udf) return UserFunction(t, f, udf, scope);
            throw t.Unsupported($"function {upper}", f);
        }
        bool aggregate = f.OverClause is null && Aggregates.Contains(upper);
        if (aggregate) t.EnterAggregate();
        Tx result;
        try
        {
            // a call with the wrong number of arguments (dynamic SQL built from an empty name: LEN()) is SQL Server's compile error
            if (Arity.TryGetValue(upper, out var arity) && (f.Parameters.Count < arity.Min || f.Parameters.Count > arity.Max))
                throw arity.Min == arity.Max
                    ? new SandboxRuntimeError(174, $"The {name.ToLowerInvariant()} function requires {arity.Min} argument(s).", 15)
                    : new SandboxRuntimeError(189, $"The {name.ToLowerInvariant()} function requires {arity.Min} to {arity.Max} arguments.", 15);
            var args = new List<Tx>();
            foreach (var p in f.Parameters)
                args.Add(p is ColumnReferenceExpression { ColumnType: ColumnType.Wildcard } ? new Tx("*", null) : t.Expr(p, scope));
            // text given to a math function converts to float, as SQL Server converts it (ROUND('1.25', 1)), with its error
            if (NumericArgument.Contains(upper) && args.Count > 0 && args[0].Type is { IsString: true })
                args[0] = t.Cast(args[0], SqlTranslator.Float, false, null, f);
            try { result = rule(t, f, scope, args); }
            catch (ArgumentOutOfRangeException) { throw t.Unsupported($"function {upper} with {f.Parameters.Count} argument(s)", f); }
        }
        finally { if (aggregate) t.LeaveAggregate(); }
        if (f.OverClause is { } over)
        {
            var parts = new List<string>();
            if (over.Partitions.Count > 0) parts.Add("PARTITION BY " + string.Join(", ", over.Partitions.Select(p => t.Expr(p, scope).Sql)));
            if (over.OrderByClause is not null) parts.Add(t.OrderBy(over.OrderByClause, scope));
            if (over.WindowFrameClause is { } wf)
                parts.Add(WindowFrame(t, wf, scope));
            else if (over.OrderByClause is not null && upper is "FIRST_VALUE" or "LAST_VALUE" or "SUM" or "COUNT" or "AVG" or "MIN" or "MAX" or "COUNT_BIG")
                parts.Add("RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW");
            // Aggregates wrapped in CAST: the OVER goes on the inner call.
            var sql = result.Sql;
            int close = FindAggregateEnd(sql);
            string windowed = close >= 0 ? sql.Insert(close + 1, $" OVER ({string.Join(" ", parts)})") : $"{sql} OVER ({string.Join(" ", parts)})";
            return result with { Sql = windowed };
        }
        return result;
    }

    /// <summary>Where the innermost aggregate call of a "CAST(agg(...) AS T)" rule ends.</summary>
    private static int FindAggregateEnd(string sql)
    {
        if (!sql.StartsWith("CAST(")) return -1;
        int start = sql.StartsWith("CAST(trunc(") ? "CAST(trunc(".Length : "CAST(".Length;
        int depth = 0;
        for (int i = start; i < sql.Length; i++)
        {
            if (sql[i] == '(') depth++;
            else if (sql[i] == ')') { depth--; if (depth == 0) return i; }
            else if (sql[i] == '\'') { i = sql.IndexOf('\'', i + 1); }
        }
        return -1;
    }

    private static string WindowFrame(SqlTranslator t, WindowFrameClause wf, Scope s)
    {
        string Delim(WindowDelimiter d) => d.WindowDelimiterType switch
        {
            WindowDelimiterType.CurrentRow => "CURRENT ROW",
            WindowDelimiterType.UnboundedPreceding => "UNBOUNDED PRECEDING",
            WindowDelimiterType.UnboundedFollowing => "UNBOUNDED FOLLOWING",
            WindowDelimiterType.ValuePreceding => t.Expr(d.OffsetValue, s).Sql + " PRECEDING",
            _ => t.Expr(d.OffsetValue, s).Sql + " FOLLOWING",
        };
        string kind = wf.WindowFrameType == WindowFrameType.Rows ? "ROWS" : "RANGE";
        return wf.Bottom is null ? $"{kind} {Delim(wf.Top)}" : $"{kind} BETWEEN {Delim(wf.Top)} AND {Delim(wf.Bottom)}";
    }

    private static Tx DateFunction(SqlTranslator t, FunctionCall f, string fn, Scope scope)
    {
        string partName = f.Parameters[0] switch
        {
            ColumnReferenceExpression c => c.MultiPartIdentifier.Identifiers[^1].Value,
            IdentifierLiteral il => il.Value,
            StringLiteral sl => sl.Value,
            _ => throw t.Unsupported($"{fn} date part", f.Parameters[0]),
        };
        if (!SqlTranslator.DateParts.TryGetValue(partName, out var part)) throw new SandboxRuntimeError(155, $"'{partName}' is not a recognized {fn.ToLowerInvariant()} option.");
        var args = f.Parameters.Skip(1).Select(p => t.Expr(p, scope)).ToList();
        switch (fn)
        {
            case "DATEADD":
            {
                var d = args[1];
                // a string or a number (days since 1900-01-01: DATEADD(qq, DATEDIFF(qq, 0, @d), 0)) is read as datetime
                var dt = d.Type?.IsString == true || d.Type is null && d.StringConstant is not null || d.Type?.IsInteger == true ? SqlTranslator.DateTimeT : d.Type ?? SqlTranslator.DateTime2;
                string ds = AsDate(t, d, f);
                string n = $"CAST(trunc({args[0].Sql}) AS BIGINT)";
                // 100-ns types: nanoseconds round to 100 ns (SQL Server), which DuckDB can only add in
                // whole microseconds; anything else is refused rather than dropped.
                bool hundredNs = dt.Name is "datetime2" or "time" or "datetimeoffset";
                if (part == "nanosecond" && hundredNs)
                {
                    if (f.Parameters[1] is IntegerLiteral or UnaryExpression { Expression: IntegerLiteral } && long.TryParse(args[0].Sql.Replace(" ", "").Trim('(', ')'), out var ns))
                    {
                        long rounded = (long)Math.Round(ns / 100.0, MidpointRounding.AwayFromZero) * 100;
                        if (rounded % 1000 != 0)
                            throw t.Unsupported($"DATEADD({partName}, {ns}, …) on {dt} (adds {rounded} ns: a 100-ns digit)", f, "DuckDB keeps microseconds");
                        n = (rounded / 1000 * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                    else
                        n = $"CASE WHEN CAST(round({n} / 100.0) AS BIGINT) % 10 <> 0 THEN {RaiseUnsupported($"DATEADD({partName}, …) adding a 100-ns digit to a {dt} (DuckDB keeps microseconds)")} ELSE CAST(round({n} / 100.0) AS BIGINT) * 100 END";
                }
                string add = part switch
                {
                    "year" => $"to_years(CAST({n} AS INTEGER))", "quarter" => $"to_months(CAST({n} * 3 AS INTEGER))", "month" => $"to_months(CAST({n} AS INTEGER))",
                    "dayofyear" or "day" or "weekday" => $"to_days(CAST({n} AS INTEGER))", "week" => $"to_days(CAST({n} * 7 AS INTEGER))",
                    "hour" => $"to_hours({n})", "minute" => $"to_minutes({n})", "second" => $"to_seconds({n})",
                    "millisecond" => $"to_milliseconds({n})", "microsecond" => $"to_microseconds({n})", "nanosecond" => $"to_microseconds({n} // 1000)",
                    _ => throw t.Unsupported($"DATEADD({partName})", f),
                };
                if (dt.Name == "date" && part is "hour" or "minute" or "second" or "millisecond" or "microsecond" or "nanosecond")
                    throw new SandboxRuntimeError(9810, $"The datepart {partName} is not supported by date function dateadd for data type date.");
                string sum = $"CAST(({ds} + {add}) AS {DuckTypes.Of(dt)})";
                // The datetime2(7) maximum is stored a 100-ns digit short: moving it back would lose
                // that digit (refused); moving it forward overflows, as in SQL Server (517).
                if (dt.Name == "datetime2" && dt.Scale is null or 7 && d.StringConstant is null && part is not "nanosecond")
                    sum = $"CASE WHEN {ds} = {DateTime2MaxStoredSql} AND {n} > 0 THEN {Raise(517, "Adding a value to a 'datetime2' column caused an overflow.")} " +
                          $"WHEN {ds} = {DateTime2MaxStoredSql} AND {n} < 0 THEN {RaiseUnsupported($"DATEADD({partName}, <negative>, …) on the datetime2 maximum 9999-12-31 23:59:59.9999999 (its 100-ns digit is not stored)")} ELSE {sum} END";
                return new(sum, dt);
            }
            case "DATEDIFF":
            case "DATEDIFF_BIG":
            {
                string a = AsDate(t, args[0], f), b = AsDate(t, args[1], f);
                string sql = part switch
                {
                    "week" => $"tsql_weekdiff({a}, {b})",
                    "dayofyear" or "day" or "weekday" => $"date_diff('day', CAST({a} AS DATE), CAST({b} AS DATE))",
                    "year" or "quarter" or "month" or "hour" or "minute" or "second" or "millisecond" or "microsecond" => $"date_diff('{part}', CAST({a} AS TIMESTAMP), CAST({b} AS TIMESTAMP))",
                    // The datetime2(7) maximum is 900 ns past its stored microsecond.
                    "nanosecond" => $"(date_diff('microsecond', CAST({a} AS TIMESTAMP), CAST({b} AS TIMESTAMP)) * 1000 + CASE WHEN {b} = {DateTime2MaxStoredSql} THEN 900 ELSE 0 END - CASE WHEN {a} = {DateTime2MaxStoredSql} THEN 900 ELSE 0 END)",
                    _ => throw t.Unsupported($"DATEDIFF({partName})", f),
                };
                return fn == "DATEDIFF" ? new($"CAST({sql} AS INTEGER)", SqlTranslator.Int) : new($"CAST({sql} AS BIGINT)", SqlTranslator.BigInt);
            }
            case "DATEPART":
                return new($"CAST({DatePart(t, part, AsDate(t, args[0], f), f)} AS INTEGER)", SqlTranslator.Int);
            case "DATENAME":
            {
                string d = AsDate(t, args[0], f);
                return part switch
                {
                    "month" => new($"monthname({d})", V(30)),
                    "weekday" => new($"dayname({d})", V(30)),
                    _ => new($"CAST({DatePart(t, part, d, f)} AS VARCHAR)", V(30)),
                };
            }
            default:
            {
                string d = AsDate(t, args[0], f);
                var type = args[0].Type ?? SqlTranslator.DateTime2;
                string unit = part switch { "dayofyear" or "weekday" => "day", "iso_week" => "week", _ => part };
                if (part == "week") throw t.Unsupported("DATETRUNC(week)", f);
                return new($"CAST(date_trunc('{unit}', {d}) AS {DuckTypes.Of(type)})", type);
            }
        }
    }

    private static string DatePart(SqlTranslator t, string part, string d, TSqlFragment at) => part switch
    {
        "year" => $"year({d})",
        "quarter" => $"quarter({d})",
        "month" => $"month({d})",
        "dayofyear" => $"dayofyear({d})",
        "day" => $"day({d})",
        "week" => $"tsql_week({d})",
        "weekday" => $"(dayofweek({d}) + 1)",
        "hour" => $"hour({d})",
        "minute" => $"minute({d})",
        "second" => $"second({d})",
        "millisecond" => $"(millisecond({d}) % 1000)",
        "microsecond" => $"(microsecond({d}) % 1000000)",
        "nanosecond" => $"((microsecond({d}) % 1000000) * 1000 + CASE WHEN {d} = {DateTime2MaxStoredSql} THEN 900 ELSE 0 END)",
        "iso_week" => $"weekofyear({d})",
        _ => throw t.Unsupported($"date part {part}", at),
    };

    /// <summary>CRYPT_GEN_RANDOM(n) for a literal n: NULL outside 1–8000, as SQL Server's length check gives.</summary>
    private static Tx CryptGenRandom(int n)
    {
        var type = new SqlType("varbinary", 8000);
        if (n is < 1 or > 8000) return new("CAST(NULL AS BLOB)", type);
        var blocks = Enumerable.Range(0, (n + 15) / 16).Select(_ => "md5(CAST(getvariable('tsql_seed') AS VARCHAR) || '-r' || CAST(nextval('__newid') AS VARCHAR))");
        return new($"unhex(left({string.Join(" || ", blocks)}, {2 * n}))", type);
    }

    /// <summary>Scalar UDFs: a body of one RETURN is inlined; otherwise the interpreter runs it on constant arguments.</summary>
    private static Tx UserFunction(SqlTranslator t, FunctionCall f, FunctionStatementBody udf, Scope scope)
    {
        if (udf.ReturnType is not ScalarFunctionReturnType srt) throw t.Unsupported("table-valued function in a scalar position", f);
        var rtype = DataTypes.From(srt.DataType, t.Env.Catalog.AliasTypes);
        int aggregatesBefore = t.AggregatesSeen;
        var args = f.Parameters.Select(p => t.Expr(p, scope)).ToList();
        IList<TSqlStatement>? stmts = udf.StatementList?.Statements;
        while (stmts is { Count: 1 } && stmts[0] is BeginEndBlockStatement be) stmts = be.StatementList.Statements;
        if (stmts is { Count: 1 } && stmts[0] is ReturnStatement { Expression: { } rx })
        {
            var saved = t.Env.Variable;
            var bound = new Dictionary<string, VariableInfo>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < udf.Parameters.Count; i++)
            {
                var pt = DataTypes.From(udf.Parameters[i].DataType, t.Env.Catalog.AliasTypes);
                bound[udf.Parameters[i].VariableName.Value] = new VariableInfo(pt, null, "(" + t.Coerce(args[i], pt, f).Sql + ")");
            }
            t.Env.Variable = n => bound.TryGetValue(n, out var v) ? v : null;
            try { return t.Cast(t.Expr(rx, new Scope(null)), rtype, false, null, f); }
            finally { t.Env.Variable = saved; }
        }
        if (t.Env.CallScalarFunction is null || t.Env.Evaluate is null) throw t.Unsupported("scalar function " + udf.Name.BaseIdentifier.Value, f);
        if (args.Any(a => a.Sql.Contains('"'))) return t.PerRowScalarFunction(udf, rtype, args, f, scope, aggregatesBefore);
        var values = new List<(object?, SqlType)>();
        for (int i = 0; i < args.Count; i++)
        {
            var pt = DataTypes.From(udf.Parameters[i].DataType, t.Env.Catalog.AliasTypes);
            values.Add((t.Env.Evaluate(t.Coerce(args[i], pt, f).Sql, pt), pt));
        }
        var r = t.Env.CallScalarFunction(udf, values, f);
        return new(Literal(r.Value, r.Type), r.Type);
    }
}
