using EtlAgent.Core.Sandbox;
using System.Globalization;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Translation;

/// <summary>Quoting, literals and the runtime error marker shared by translator and sandbox.</summary>
public static class SqlText
{
    public static string Id(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    public static string Str(string s) => "'" + s.Replace("'", "''") + "'";

    /// <summary>DuckDB error() call carrying a SQL Server error number, decoded by the sandbox.</summary>
    public static string Raise(int number, string message) => $"error({Str(ErrorMarker(number) + message)})";

    public static string ErrorMarker(int number) => $"[[{number}]]";

    /// <summary>
    /// A catalog object in DuckDB: every object lives in DuckDB's main schema as "Schema.Name",
    /// because DuckDB cannot create foreign keys across schemas. References always carry an alias
    /// (the T-SQL exposed name), so two- and three-part column references still bind.
    /// </summary>
    public static string Table(QualifiedName name) => Id(name.Schema + "." + name.Name);

    /// <summary>A .NET value as a DuckDB literal of the T-SQL type.</summary>
    public static string Literal(object? value, SqlType? type)
    {
        string duck = type is null ? "" : DuckTypes.Of(type);
        if (value is null) return type is null ? "NULL" : $"CAST(NULL AS {duck})";
        string raw = value switch
        {
            string s => Str(s),
            bool b => b ? "true" : "false",
            DateTime d when type?.Name == "date" => $"DATE '{d:yyyy-MM-dd}'",
            DateTime d => $"TIMESTAMP '{d.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}'",
            DateOnly d => $"DATE '{d:yyyy-MM-dd}'",
            DateTimeOffset o => $"TIMESTAMPTZ '{o.ToString("yyyy-MM-dd HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture)}'",
            TimeSpan t => $"TIME '{t:hh\\:mm\\:ss\\.ffffff}'",
            TimeOnly t => $"TIME '{t.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}'",
            Guid g => $"UUID '{g}'",
            byte[] b => "'\\x" + Convert.ToHexString(b) + "'::BLOB",
            decimal m => m.ToString(CultureInfo.InvariantCulture),
            double f => f.ToString("R", CultureInfo.InvariantCulture),
            float f => f.ToString("R", CultureInfo.InvariantCulture),
            System.Numerics.BigInteger bi => bi.ToString(CultureInfo.InvariantCulture),
            IFormattable n => n.ToString(null, CultureInfo.InvariantCulture),
            _ => Str(value.ToString() ?? ""),
        };
        return type is null ? raw : $"CAST({raw} AS {duck})";
    }
}
