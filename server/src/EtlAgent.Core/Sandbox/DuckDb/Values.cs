using System.Globalization;
using System.Numerics;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>Values between DuckDB, the interpreter and the <see cref="SandboxRow"/> contract.</summary>
internal static class Values
{
    public static object? FromDuck(object? v) => v switch
    {
        null or DBNull => null,
        DateOnly d => d.ToDateTime(TimeOnly.MinValue),
        TimeOnly t => t.ToTimeSpan(),
        BigInteger b => (decimal)b,
        sbyte sb => (short)sb,
        ushort us => (int)us,
        uint ui => (long)ui,
        ulong ul => (decimal)ul,
        _ => v,
    };

    /// <summary>A .NET value converted to the .NET shape of a T-SQL type (as the contract lists).</summary>
    public static object? Coerce(object? v, SqlType type)
    {
        if (v is null) return null;
        try
        {
            return type.Name switch
            {
                "bit" => v is bool b ? b : v is string s ? s.Trim() is "1" || s.Trim().Equals("true", StringComparison.OrdinalIgnoreCase) : Convert.ToDecimal(v, CultureInfo.InvariantCulture) != 0,
                "tinyint" => Convert.ToByte(v, CultureInfo.InvariantCulture),
                "smallint" => Convert.ToInt16(v, CultureInfo.InvariantCulture),
                "int" => Convert.ToInt32(v, CultureInfo.InvariantCulture),
                "bigint" => Convert.ToInt64(v, CultureInfo.InvariantCulture),
                "decimal" or "numeric" or "money" or "smallmoney" => Convert.ToDecimal(v, CultureInfo.InvariantCulture),
                "float" or "real" => Convert.ToDouble(v, CultureInfo.InvariantCulture),
                "date" => v is DateTime d ? d.Date : v is string ds ? (SqlTranslator.ParseDateLiteral(ds) ?? throw new FormatException(ds)).Date : v,
                "datetime" or "datetime2" or "smalldatetime" => v is DateTime ? v : v is string ts ? SqlTranslator.ParseDateLiteral(ts) ?? throw new FormatException(ts) : v,
                "uniqueidentifier" => v is Guid ? v : Guid.Parse(v.ToString()!),
                "time" => v is TimeSpan ? v : v is string tt ? TimeSpan.Parse(tt, CultureInfo.InvariantCulture) : v,
                "sql_variant" => v,
                _ when type.IsString => v is string ? v : ToText(v),
                _ => v,
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidCastException)
        {
            throw new SandboxRuntimeError(245, $"Conversion failed when converting the value '{v}' to data type {type}.");
        }
    }

    /// <summary>Scale of a DuckDB DECIMAL(p,s) type name, so values keep SQL Server's trailing zeros.</summary>
    public static int? DecimalScale(string? duckType)
    {
        if (duckType is null || !duckType.StartsWith("DECIMAL(", StringComparison.OrdinalIgnoreCase)) return null;
        var inner = duckType[8..^1].Split(',');
        return inner.Length == 2 && int.TryParse(inner[1], out var s) ? s : null;
    }

    public static decimal WithScale(decimal d, int scale)
    {
        if (scale > 28) return d;
        var r = Math.Round(d, scale);
        return r + new decimal(0, 0, 0, false, (byte)scale);
    }

    public static SqlType? TypeOf(object? v) => v switch
    {
        null => null,
        bool => new SqlType("bit"),
        byte => new SqlType("tinyint"),
        short => new SqlType("smallint"),
        int => SqlTranslator.Int,
        long => SqlTranslator.BigInt,
        decimal m => new SqlType("decimal", null, 38, Math.Min(18, (int)((decimal.GetBits(m)[3] >> 16) & 0xFF))),
        double or float => SqlTranslator.Float,
        DateTime => SqlTranslator.DateTime2,
        DateTimeOffset => new SqlType("datetimeoffset"),
        TimeSpan => new SqlType("time"),
        Guid => SqlTranslator.Guid,
        byte[] => new SqlType("varbinary", SqlType.Max),
        _ => SqlTranslator.NVarMax,
    };

    public static string? ToText(object? v) => v switch
    {
        null => null,
        string s => s,
        bool b => b ? "1" : "0",
        DateTime d => d.TimeOfDay == TimeSpan.Zero ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : d.ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString(),
    };
}
