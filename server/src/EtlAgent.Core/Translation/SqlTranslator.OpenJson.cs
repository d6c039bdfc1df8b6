using System.Text.RegularExpressions;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>
/// OPENJSON(json [, path]) with the default schema (key, value, type) or WITH (column type ['path'] [AS JSON], …),
/// over DuckDB's json_each and json_extract. The paths must be constants (SQL Server's path language
/// $, .key, ."quoted key", [n] is DuckDB's). DuckDB rewrites JSON it re-serialises (spacing, and
/// number forms such as 1.50): a value whose text SQL Server would return as written (an object or
/// array, a fractional number read as text) is returned only when the source text is compact JSON
/// that DuckDB writes back unchanged, and refused otherwise rather than respaced.
/// </summary>
public sealed partial class SqlTranslator
{
    private const string JsonNotFormatted = "JSON text is not properly formatted. Unexpected character is found at position 0.";

    private string OpenJson(OpenJsonTableReference o, Scope scope)
    {
        string src = AsText(Expr(o.Variable, scope));
        var (strict, path) = o.RowPattern is null ? (false, "$") : OpenJsonPath(Expr(o.RowPattern, scope).StringConstant, o.RowPattern);
        string alias = o.Alias?.Value ?? "OPENJSON";
        string p = Str(path);
        // the document, checked as SQL Server checks it before any row: NULL gives no rows
        string doc = "CASE WHEN \"__src\" IS NULL THEN NULL " +
            $"WHEN NOT coalesce(json_valid(\"__src\"), false) THEN {Raise(13609, JsonNotFormatted)} " +
            $"WHEN json_type(\"__src\", {p}) IS NULL THEN {(strict ? Raise(13608, "Property cannot be found on the specified JSON path.") : "NULL")} " +
            $"WHEN json_type(\"__src\", {p}) = 'NULL' THEN {RaiseUnsupported("OPENJSON of a JSON null")} " +
            $"WHEN json_type(\"__src\", {p}) NOT IN ('OBJECT', 'ARRAY') THEN {Raise(13611, "Value referenced by JSON path is not an array or object and cannot be opened with OPENJSON.")} " +
            "ELSE \"__src\" END";
        string faithful = "(CAST(json(\"__s\".\"__src\") AS VARCHAR) = \"__s\".\"__src\")";
        string source = $"(SELECT \"__src\", {doc} AS \"__doc\" FROM (SELECT {src} AS \"__src\") AS \"__s0\") AS \"__s\"";
        if (o.SchemaDeclarationItems.Count == 0)
        {
            string rewritten = RaiseUnsupported("OPENJSON value of an object, array or fractional number in JSON text that is not compact (the sandbox would rewrite it)");
            string value = "CASE WHEN \"__e\".type = 'VARCHAR' THEN json_extract_string(\"__e\".value, '$') WHEN \"__e\".type = 'NULL' THEN NULL " +
                $"WHEN \"__e\".type IN ('OBJECT', 'ARRAY', 'DOUBLE') AND NOT {faithful} THEN {rewritten} ELSE CAST(\"__e\".value AS VARCHAR) END";
            string type = "CAST(CASE \"__e\".type WHEN 'NULL' THEN 0 WHEN 'VARCHAR' THEN 1 WHEN 'BOOLEAN' THEN 3 WHEN 'ARRAY' THEN 4 WHEN 'OBJECT' THEN 5 ELSE 2 END AS TINYINT)";
            scope.Sources.Add(new SourceShape(alias, new List<ColumnShape> { new("key", new SqlType("nvarchar", 4000)), new("value", NVarMax), new("type", new SqlType("tinyint")) }));
            return $"(SELECT CAST(\"__e\".key AS VARCHAR) AS \"key\", {value} AS \"value\", {type} AS \"type\" " +
                $"FROM {source}, json_each(\"__s\".\"__doc\", {p}) AS \"__e\" ORDER BY \"__e\".id) AS {Id(alias)}";
        }

        // explicit schema: one row per element of an array, or one row for an object
        string elements = $"(CASE WHEN \"__s\".\"__doc\" IS NULL THEN CAST([] AS JSON[]) WHEN json_type(\"__s\".\"__doc\", {p}) = 'ARRAY' THEN json_extract(\"__s\".\"__doc\", {Str(path == "$" ? "$[*]" : path + "[*]")}) " +
            $"ELSE [json_extract(\"__s\".\"__doc\", {p})] END)";
        var columns = new List<string>();
        var shape = new List<ColumnShape>();
        foreach (var item in o.SchemaDeclarationItems)
        {
            var def = item.ColumnDefinition;
            string name = def.ColumnIdentifier.Value;
            var colType = DataTypes.From(def.DataType, Env.Catalog.AliasTypes);
            var (colStrict, colPath) = item.Mapping is null ? (false, "$." + JsonKey(name)) : OpenJsonPath((item.Mapping as StringLiteral)?.Value, item);
            bool asJson = item is SchemaDeclarationItemOpenjson { AsJson: true };
            string cp = Str(colPath), jt = $"json_type(\"__e\".\"elem\", {cp})";
            string sql;
            if (asJson)
            {
                if (!(colType.IsString && colType.IsUnicode && colType.IsMax)) throw Unsupported($"OPENJSON column {name} AS JSON of type {colType}", item, "SQL Server requires nvarchar(max)");
                string fragment = $"CASE WHEN {faithful} THEN CAST(json_extract(\"__e\".\"elem\", {cp}) AS VARCHAR) ELSE {RaiseUnsupported($"OPENJSON column {name} AS JSON of JSON text that is not compact (the sandbox would respace it)")} END";
                sql = $"CASE WHEN {jt} IN ('OBJECT', 'ARRAY') THEN {fragment} WHEN {jt} IS NULL THEN {(colStrict ? Raise(13608, "Property cannot be found on the specified JSON path.") : "NULL")} " +
                    $"ELSE {(colStrict ? Raise(13624, "Object or array cannot be found in the specified JSON path.") : "NULL")} END";
                columns.Add($"{sql} AS {Id(name)}");
                shape.Add(new ColumnShape(name, colType));
                continue;
            }
            string text = colType.IsString
                ? $"CASE WHEN {jt} = 'DOUBLE' AND NOT {faithful} THEN {RaiseUnsupported($"OPENJSON column {name} of a fractional number in JSON text that is not compact (the sandbox would rewrite its digits)")} ELSE json_extract_string(\"__e\".\"elem\", {cp}) END"
                : $"json_extract_string(\"__e\".\"elem\", {cp})";
            sql = $"CASE WHEN {jt} IS NULL THEN {(colStrict ? Raise(13608, "Property cannot be found on the specified JSON path.") : "NULL")} " +
                $"WHEN {jt} IN ('OBJECT', 'ARRAY') THEN {(colStrict ? Raise(13623, "Scalar value cannot be found in the specified JSON path.") : "NULL")} " +
                $"WHEN {jt} = 'NULL' THEN NULL ELSE {text} END";
            var converted = Cast(new Tx(sql, NVarMax), colType, false, null, item);
            columns.Add($"{converted.Sql} AS {Id(name)}");
            shape.Add(new ColumnShape(name, colType));
        }
        scope.Sources.Add(new SourceShape(alias, shape));
        return $"(SELECT {string.Join(", ", columns)} FROM {source}, (SELECT unnest({elements}) AS \"elem\", unnest(generate_series(1, len({elements}))) AS \"ord\") AS \"__e\" ORDER BY \"__e\".\"ord\") AS {Id(alias)}";
    }

    /// <summary>A property name as a path step: bare when it is an identifier, quoted otherwise.</summary>
    private static string JsonKey(string name) =>
        Regex.IsMatch(name, @"^[A-Za-z_][A-Za-z0-9_]*$") ? name : "\"" + name.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>An OPENJSON path: its mode and the path itself, which must be a constant.</summary>
    private (bool Strict, string Path) OpenJsonPath(string? text, TSqlFragment at)
    {
        if (text is null) throw Unsupported("OPENJSON with a path that is not a constant", at);
        var m = Regex.Match(text, @"^\s*(lax|strict)?\s*(\$.*)$", RegexOptions.IgnoreCase);
        if (!m.Success) throw new SandboxRuntimeError(13607, "JSON path is not properly formatted. Unexpected character is found at position 0.");
        return (m.Groups[1].Value.Equals("strict", StringComparison.OrdinalIgnoreCase), m.Groups[2].Value.TrimEnd());
    }
}
