using System.Globalization;
using System.Numerics;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;
using static EtlAgent.Core.Translation.SqlText;

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
        // a BLOB comes as a stream over the engine's memory: binary/varbinary are byte[] everywhere else
        Stream blob => ReadAll(blob),
        _ => v,
    };

    private static byte[] ReadAll(Stream blob)
    {
        using var copy = new MemoryStream();
        blob.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// A .NET value converted to the .NET shape of a T-SQL type (as the contract lists).
    /// DuckDB keeps microseconds; the datetime2(7) maximum ('9999-12-31 23:59:59.9999999', the
    /// end-of-time sentinel) is stored as 9999-12-31 23:59:59.999999 and read back as itself
    /// (<see cref="SqlText.DateTime2Max"/>). No other instant is mapped.
    /// </summary>
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
                "datetime2" when type.Scale is null or 7 && v is DateTime d2 && d2 == SqlText.DateTime2MaxStored => SqlText.DateTime2Max,
                "datetime" or "datetime2" or "smalldatetime" => v is DateTime ? v : v is string ts ? SqlTranslator.ParseDateLiteral(ts) ?? throw new FormatException(ts) : v,
                "uniqueidentifier" => v is Guid ? v : Guid.Parse(v.ToString()!),
                "time" => v is TimeSpan ? v : v is string tt ? TimeSpan.Parse(tt, CultureInfo.InvariantCulture) : v,
                "sql_variant" => v,
                _ when type.IsString => Fit(v as string ?? ToText(v)!, type),
                _ => v,
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidCastException)
        {
            throw new SandboxRuntimeError(245, $"Conversion failed when converting the value '{v}' to data type {type}.");
        }
    }

    /// <summary>
    /// A value entering the sandbox from outside (a test row, an argument, a clock): refused when
    /// DuckDB cannot hold it exactly — a non-zero 100-ns digit, or, for datetime2(7), the instant
    /// 9999-12-31 23:59:59.999999 that stands for the datetime2 maximum.
    /// </summary>
    public static void CheckEntering(object? value, SqlType type, string where)
    {
        if (value is string text && type.IsDateTime && type.Name is not ("time" or "datetimeoffset")) value = SqlTranslator.ParseDateLiteral(text);
        CheckMicroseconds(value, where);
        if (value is DateTime d && d == DateTime2MaxStored && type.Name == "datetime2" && type.Scale is null or 7)
            throw new UnsupportedConstructException($"{where} 9999-12-31 23:59:59.999999 in a datetime2(7)", null,
                "the sandbox stores the datetime2 maximum 9999-12-31 23:59:59.9999999 at that microsecond, so the two cannot be told apart");
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

    /// <summary>A string as a (n)char(n)/(n)varchar(n) column stores it: padded, or trailing spaces beyond n dropped.</summary>
    private static string Fit(string s, SqlType type)
    {
        if (DuckTypes.MaxChars(type) is not int n) return s;
        if (s.Length > n && s.TrimEnd(' ').Length <= n) s = s[..n];
        return type.Name is "char" or "nchar" && s.Length < n ? s.PadRight(n) : s;
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
