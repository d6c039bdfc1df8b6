using EtlAgent.Core.Model;

namespace EtlAgent.Core.Translation;

/// <summary>
/// T-SQL type → DuckDB type, as data. One row per T-SQL base type; the comment says what is
/// approximated. Length limits of (n)varchar(n)/(n)char(n) are enforced separately (error 2628).
/// </summary>
public static class DuckTypes
{
    private static readonly Dictionary<string, Func<SqlType, string>> Map = new(StringComparer.OrdinalIgnoreCase)
    {
        ["bit"] = _ => "BOOLEAN",
        ["tinyint"] = _ => "UTINYINT",
        ["smallint"] = _ => "SMALLINT",
        ["int"] = _ => "INTEGER",
        ["bigint"] = _ => "BIGINT",
        ["decimal"] = t => $"DECIMAL({t.Precision ?? 18},{t.Scale ?? 0})",
        ["numeric"] = t => $"DECIMAL({t.Precision ?? 18},{t.Scale ?? 0})",
        ["money"] = _ => "DECIMAL(19,4)",
        ["smallmoney"] = _ => "DECIMAL(10,4)",
        ["float"] = t => t.Precision is > 0 and <= 24 ? "FLOAT" : "DOUBLE",
        ["real"] = _ => "FLOAT",
        ["char"] = _ => "VARCHAR",
        ["varchar"] = _ => "VARCHAR",
        ["nchar"] = _ => "VARCHAR",
        ["nvarchar"] = _ => "VARCHAR",
        ["text"] = _ => "VARCHAR",
        ["ntext"] = _ => "VARCHAR",
        ["sysname"] = _ => "VARCHAR",
        ["xml"] = _ => "VARCHAR",
        ["sql_variant"] = _ => "VARCHAR",
        ["date"] = _ => "DATE",
        // datetime2(7) keeps 100 ns in SQL Server; DuckDB TIMESTAMP keeps microseconds.
        ["datetime2"] = _ => "TIMESTAMP",
        ["datetime"] = _ => "TIMESTAMP",
        ["smalldatetime"] = _ => "TIMESTAMP",
        ["datetimeoffset"] = _ => "TIMESTAMPTZ",
        ["time"] = _ => "TIME",
        ["uniqueidentifier"] = _ => "UUID",
        ["binary"] = _ => "BLOB",
        ["varbinary"] = _ => "BLOB",
        ["image"] = _ => "BLOB",
        ["rowversion"] = _ => "BLOB",
        ["timestamp"] = _ => "BLOB",
        // Spatial values are kept as their WKT text (geography::Point builds 'POINT(lon lat)').
        ["geography"] = _ => "VARCHAR",
        ["geometry"] = _ => "VARCHAR",
        ["hierarchyid"] = _ => "VARCHAR",
    };

    public static bool IsKnown(SqlType type) => Map.ContainsKey(type.Name);

    public static string Of(SqlType type, Location? location = null) =>
        Map.TryGetValue(type.Name, out var f) ? f(type) : throw new UnsupportedConstructException(Unknown(type), location);

    /// <summary>What a refusal of a type says: a user-defined type the catalog could not resolve is named as such.</summary>
    public static string Unknown(SqlType type) => type.UserType is { } name
        ? $"data type {name}, which no CREATE TYPE in the workspace defines (an alias type is resolved to its base type)"
        : $"data type {type}";

    /// <summary>Maximum character length that assignment must enforce (null: unlimited).</summary>
    public static int? MaxChars(SqlType type) =>
        type.IsString && type.Name is not ("text" or "ntext") && type.EffectiveLength is int n && n > 0 ? n : null;

    /// <summary>DuckDB's type name (from a result column) back to a T-SQL type, for SELECT INTO.</summary>
    public static SqlType FromDuck(string duck)
    {
        var d = duck.ToUpperInvariant();
        if (d.StartsWith("DECIMAL"))
        {
            var inner = d[(d.IndexOf('(') + 1)..d.IndexOf(')')].Split(',');
            return new SqlType("decimal", null, int.Parse(inner[0]), int.Parse(inner[1]));
        }
        return d switch
        {
            "BOOLEAN" => new SqlType("bit"),
            "UTINYINT" or "TINYINT" => new SqlType("tinyint"),
            "SMALLINT" or "USMALLINT" => new SqlType("smallint"),
            "INTEGER" or "UINTEGER" => new SqlType("int"),
            "BIGINT" or "UBIGINT" or "HUGEINT" => new SqlType("bigint"),
            "DOUBLE" => new SqlType("float"),
            "FLOAT" => new SqlType("real"),
            "DATE" => new SqlType("date"),
            "TIMESTAMP" or "TIMESTAMP_NS" => new SqlType("datetime2", null, null, 7),
            "TIMESTAMP WITH TIME ZONE" => new SqlType("datetimeoffset"),
            "TIME" => new SqlType("time"),
            "UUID" => new SqlType("uniqueidentifier"),
            "BLOB" => new SqlType("varbinary", SqlType.Max),
            _ => new SqlType("nvarchar", SqlType.Max),
        };
    }
}
