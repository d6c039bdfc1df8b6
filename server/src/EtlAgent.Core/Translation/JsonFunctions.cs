using System.Text.RegularExpressions;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>
/// ISJSON, JSON_VALUE and JSON_QUERY over DuckDB's JSON functions, with SQL Server's lax and strict
/// path modes and its errors. The path must be known when the statement runs (a constant or a
/// variable); SQL Server's path language ($, .key, ."quoted key", [n]) is DuckDB's.
/// </summary>
public static class JsonFunctions
{
    private static readonly SqlType Result = new("nvarchar", 4000);

    private static string NotJson => Raise(13609, "JSON text is not properly formatted. Unexpected character is found at position 0.");

    internal static Tx IsJson(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a)
    {
        string j = t.AsText(a[0]);
        if (a.Count == 1)
            return new($"CASE WHEN {j} IS NULL THEN NULL WHEN coalesce(json_valid({j}), false) AND json_type(json({j})) IN ('OBJECT', 'ARRAY') THEN 1 ELSE 0 END", SqlTranslator.Int);
        // the type constraint is a keyword (VALUE, ARRAY, OBJECT, SCALAR), parsed as a column name
        var constraint = (f.Parameters[1] as ColumnReferenceExpression)?.MultiPartIdentifier?.Identifiers[^1].Value.ToUpperInvariant();
        string test = constraint switch
        {
            "VALUE" => "true",
            "ARRAY" => $"json_type(json({j})) = 'ARRAY'",
            "OBJECT" => $"json_type(json({j})) = 'OBJECT'",
            "SCALAR" => $"json_type(json({j})) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE')",
            _ => throw t.Unsupported("ISJSON with that type constraint", f),
        };
        return new($"CASE WHEN {j} IS NULL THEN NULL WHEN coalesce(json_valid({j}), false) AND {test} THEN 1 ELSE 0 END", SqlTranslator.Int);
    }

    /// <summary>
    /// JSON_OBJECT (SQL Server 2022): keys in their order, values converted as FOR JSON converts
    /// them; a NULL value is JSON null (NULL ON NULL, the default) or leaves its key out (ABSENT ON NULL).
    /// </summary>
    internal static Tx JsonObject(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a)
    {
        bool absent = AbsentOnNull(f, false);
        var members = f.JsonParameters.Select(kv =>
        {
            var key = t.Expr(kv.JsonKeyName, s);
            string name = $"replace(CAST(to_json(CAST({key.Sql} AS VARCHAR)) AS VARCHAR), '/', '\\/')";
            string keyed = $"{name} || ':' || ";
            var value = t.Expr(kv.JsonValue, s);
            return $"CASE WHEN {key.Sql} IS NULL THEN {RaiseUnsupported("JSON_OBJECT with a NULL key name")} WHEN {value.Sql} IS NULL THEN {(absent ? "NULL" : keyed + "'null'")} ELSE {keyed}{Member(t, kv.JsonValue, value, "JSON_OBJECT")} END";
        }).ToList();
        return new(members.Count == 0 ? "'{}'" : $"('{{' || concat_ws(',', {string.Join(", ", members)}) || '}}')", SqlTranslator.NVarMax);
    }

    /// <summary>
    /// JSON_ARRAY (SQL Server 2022): the values in order, converted as FOR JSON converts them; a NULL
    /// value is left out (ABSENT ON NULL, the default) or JSON null (NULL ON NULL).
    /// </summary>
    internal static Tx JsonArray(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a)
    {
        bool absent = AbsentOnNull(f, true);
        var items = a.Select((v, i) => $"CASE WHEN {v.Sql} IS NULL THEN {(absent ? "NULL" : "'null'")} ELSE {Member(t, f.Parameters[i], v, "JSON_ARRAY")} END").ToList();
        return new(items.Count == 0 ? "'[]'" : $"('[' || concat_ws(',', {string.Join(", ", items)}) || ']')", SqlTranslator.NVarMax);
    }

    /// <summary>A value inside JSON_OBJECT/JSON_ARRAY: JSON that these functions or JSON_QUERY made goes in as JSON, anything else as FOR JSON writes it.</summary>
    private static string Member(SqlTranslator t, ScalarExpression source, Tx value, string user) =>
        source is FunctionCall { FunctionName.Value: var fn } && fn.ToUpperInvariant() is "JSON_OBJECT" or "JSON_ARRAY" or "JSON_QUERY"
            ? $"CAST({value.Sql} AS VARCHAR)"
            : t.JsonValue(value.Type, value.Sql, source, user);

    private static bool AbsentOnNull(FunctionCall f, bool byDefault)
    {
        var words = string.Join(" ", f.AbsentOrNullOnNull.Select(w => w.Value)).ToUpperInvariant();
        return words.Length == 0 ? byDefault : words.StartsWith("ABSENT", StringComparison.Ordinal);
    }

    internal static Tx JsonValue(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a)
    {
        var (strict, path) = Path(t, f, a, 1);
        string j = t.AsText(a[0]);
        string type = $"json_type({j}, {Str(path)})";
        string missing = strict ? Raise(13608, "Property cannot be found on the specified JSON path.") : "NULL";
        string notScalar = strict ? Raise(13623, "Scalar value cannot be found in the specified JSON path.") : "NULL";
        string tooLong = strict ? Raise(13625, "String value in the specified JSON path would be truncated.") : "NULL";
        string value = $"json_extract_string({j}, {Str(path)})";
        return new($"CASE WHEN {j} IS NULL THEN NULL WHEN NOT coalesce(json_valid({j}), false) THEN {NotJson} " +
            $"WHEN {type} IS NULL THEN {missing} WHEN {type} IN ('OBJECT', 'ARRAY') THEN {notScalar} " +
            $"WHEN {type} = 'NULL' THEN NULL WHEN length({value}) > 4000 THEN {tooLong} ELSE {value} END", Result);
    }

    internal static Tx JsonQuery(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a)
    {
        var (strict, path) = a.Count > 1 ? Path(t, f, a, 1) : (false, "$");
        string j = t.AsText(a[0]);
        string type = $"json_type({j}, {Str(path)})";
        string notFound = strict ? Raise(13624, "Object or array cannot be found in the specified JSON path.") : "NULL";
        // the fragment as written in the text: the whole text as it is; a part as DuckDB writes it,
        // which is the same text only when the source is compact (no spaces between tokens)
        string fragment = path == "$" ? j
            : $"CASE WHEN CAST(json({j}) AS VARCHAR) = {j} THEN CAST(json_extract({j}, {Str(path)}) AS VARCHAR) ELSE {RaiseUnsupported("JSON_QUERY of a part of JSON text written with spaces between tokens (the sandbox would rewrite its spacing)")} END";
        return new($"CASE WHEN {j} IS NULL THEN NULL WHEN NOT coalesce(json_valid({j}), false) THEN {NotJson} " +
            $"WHEN {type} IN ('OBJECT', 'ARRAY') THEN {fragment} ELSE {notFound} END", new SqlType("nvarchar", SqlType.Max));
    }

    /// <summary>The path argument: its mode and the path itself, which must be known before the statement runs.</summary>
    private static (bool Strict, string Path) Path(SqlTranslator t, FunctionCall f, List<Tx> a, int i)
    {
        var text = a[i].StringConstant ?? throw t.Unsupported($"{f.FunctionName.Value.ToUpperInvariant()} with a path read from rows", f);
        var m = Regex.Match(text, @"^\s*(lax|strict)?\s*(\$.*)$", RegexOptions.IgnoreCase);
        if (!m.Success) throw new SandboxRuntimeError(13607, "JSON path is not properly formatted. Unexpected character is found at position 0.");
        return (m.Groups[1].Value.Equals("strict", StringComparison.OrdinalIgnoreCase), m.Groups[2].Value.TrimEnd());
    }
}
