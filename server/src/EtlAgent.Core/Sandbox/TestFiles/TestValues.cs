using System.Globalization;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Sandbox.TestFiles;

/// <summary>
/// Converts YAML scalars to typed values the way SQL Server would store them in a column of a
/// given type (ISO dates and datetimes rounded to the type's precision, decimals rounded to the
/// scale, bit from true/false/1/0), and formats typed values back so that they reload unchanged.
/// </summary>
public static class TestValues
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly string[] DateTimeFormats =
    {
        "yyyy-MM-dd", "yyyyMMdd",
        "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF",
    };

    /// <summary>A plain (unquoted) scalar that means NULL: empty, ~, null.</summary>
    public static bool IsNull(string text, bool plain) =>
        plain && (text.Length == 0 || text == "~" || text.Equals("null", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Converts a scalar for a column of <paramref name="type"/> (null: no known type, inferred from
    /// the YAML: plain true/false, integers and decimals, anything else a string).
    /// Returns false with a message naming the problem when the text does not fit the type.
    /// </summary>
    public static bool TryConvert(string text, bool plain, SqlType? type, out object? value, out string? error)
    {
        value = null;
        error = null;
        if (IsNull(text, plain)) return true;
        if (type is null) { value = Infer(text, plain); return true; }

        var t = text.Trim();
        switch (type.Name)
        {
            case "bit":
                if (t is "1" || t.Equals("true", StringComparison.OrdinalIgnoreCase)) { value = true; return true; }
                if (t is "0" || t.Equals("false", StringComparison.OrdinalIgnoreCase)) { value = false; return true; }
                return Fail($"'{text}' is not a bit (use true/false or 1/0)", out error);

            case "tinyint" or "smallint" or "int" or "bigint":
            {
                if (!long.TryParse(t, NumberStyles.AllowLeadingSign, Inv, out var l))
                    return Fail($"'{text}' is not an integer ({type})", out error);
                (long min, long max) = type.Name switch
                {
                    "tinyint" => (0L, 255L), "smallint" => (short.MinValue, short.MaxValue),
                    "int" => (int.MinValue, int.MaxValue), _ => (long.MinValue, long.MaxValue),
                };
                if (l < min || l > max) return Fail($"{text} is out of range for {type} (error 220/8115 in SQL Server)", out error);
                value = type.Name switch { "tinyint" => (byte)l, "smallint" => (short)l, "int" => (int)l, _ => (object)l };
                return true;
            }

            case "decimal" or "numeric" or "money" or "smallmoney":
            {
                if (!decimal.TryParse(t, NumberStyles.Float, Inv, out var d))
                    return Fail($"'{text}' is not a number ({type})", out error);
                int scale = type.Name is "money" or "smallmoney" ? 4 : type.Scale ?? 0;
                int precision = type.Name switch { "money" => 19, "smallmoney" => 10, _ => type.Precision ?? 18 };
                d = Math.Round(d, scale, MidpointRounding.AwayFromZero);
                d = decimal.Parse(d.ToString("F" + scale, Inv), Inv); // stored with the column's scale: 2.5 in decimal(9,2) is 2.50
                if (IntegerDigits(d) > precision - scale)
                    return Fail($"{text} does not fit {type} (arithmetic overflow, error 8115 in SQL Server)", out error);
                value = d;
                return true;
            }

            case "float" or "real":
                if (!double.TryParse(t, NumberStyles.Float, Inv, out var f))
                    return Fail($"'{text}' is not a number ({type})", out error);
                value = type.Name == "real" || type.Precision is <= 24 ? (object)(float)f : f;
                return true;

            case "date" or "datetime" or "datetime2" or "smalldatetime":
            {
                if (!DateTime.TryParseExact(t, DateTimeFormats, Inv, DateTimeStyles.None, out var dt))
                    return Fail($"'{text}' is not a date/time in ISO form (yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss[.fffffff]) for {type}", out error);
                var rounded = RoundDateTime(dt, type);
                if (rounded is null) return Fail($"'{text}' is out of range for {type}", out error);
                value = rounded.Value;
                return true;
            }

            case "datetimeoffset":
                if (!DateTimeOffset.TryParse(t, Inv, DateTimeStyles.AssumeUniversal, out var dto))
                    return Fail($"'{text}' is not a datetimeoffset (yyyy-MM-ddTHH:mm:ss[.fffffff][+hh:mm])", out error);
                value = dto;
                return true;

            case "time":
                if (!TimeSpan.TryParse(t, Inv, out var ts) || ts < TimeSpan.Zero || ts >= TimeSpan.FromDays(1))
                    return Fail($"'{text}' is not a time of day (HH:mm:ss[.fffffff])", out error);
                value = new TimeSpan(RoundTicks(ts.Ticks, type.Scale ?? 7));
                return true;

            case "uniqueidentifier":
                if (!Guid.TryParse(t, out var g)) return Fail($"'{text}' is not a uniqueidentifier", out error);
                value = g;
                return true;

            case "binary" or "varbinary" or "image" or "rowversion" or "timestamp":
            {
                var hex = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? t[2..] : t;
                if (hex.Length % 2 == 1) hex = "0" + hex;
                try { value = Convert.FromHexString(hex); }
                catch (FormatException) { return Fail($"'{text}' is not binary (write it as 0x followed by hex digits)", out error); }
                return true;
            }

            default:
                if (type.IsString)
                {
                    var length = type.EffectiveLength;
                    if (length is > 0 && text.TrimEnd(' ').Length > length)
                        return Fail($"\"{Shorten(text)}\" is {text.Length} characters, longer than {type} (error 2628 in SQL Server)", out error);
                }
                value = text; // strings, xml, sql_variant, hierarchyid, spatial and alias types: the text as written
                return true;
        }
    }

    /// <summary>The value a plain or quoted scalar means when no column type is known.</summary>
    public static object? Infer(string text, bool plain)
    {
        if (IsNull(text, plain)) return null;
        if (!plain) return text;
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase)) return true;
        if (text.Equals("false", StringComparison.OrdinalIgnoreCase)) return false;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, Inv, out var l)) return l;
        if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, Inv, out var d)) return d;
        return text;
    }

    /// <summary>A date/time as a column of this type stores it, or null when out of the type's range.</summary>
    public static DateTime? RoundDateTime(DateTime value, SqlType type)
    {
        switch (type.Name)
        {
            case "date":
                return value.Date;
            case "smalldatetime":
            {
                // Rounded to the minute: 29.998 seconds or less rounds down, 29.999 or more up.
                var minute = new DateTime(value.Ticks - value.Ticks % TimeSpan.TicksPerMinute);
                var rest = value - minute;
                var r = rest >= TimeSpan.FromMilliseconds(29_999) ? minute.AddMinutes(1) : minute;
                return r < new DateTime(1900, 1, 1) || r > new DateTime(2079, 6, 6, 23, 59, 0) ? null : r;
            }
            case "datetime":
            {
                // 1/300 s ticks, shown as .000/.003/.007 milliseconds (what SqlClient returns).
                if (value < new DateTime(1753, 1, 1)) return null;
                long dayTicks = value.TimeOfDay.Ticks;
                long units = (long)Math.Round(dayTicks * 300m / TimeSpan.TicksPerSecond, MidpointRounding.AwayFromZero);
                long ms = (long)(units / 0.3m + 0.5m);
                var r = value.Date.AddMilliseconds(ms);
                return r.Year > 9999 ? null : r;
            }
            default: // datetime2(n)
            {
                long ticks = RoundTicks(value.Ticks, type.Scale ?? 7);
                return ticks > DateTime.MaxValue.Ticks ? null : new DateTime(ticks);
            }
        }
    }

    private static long RoundTicks(long ticks, int scale)
    {
        if (scale >= 7) return ticks;
        long unit = (long)Math.Pow(10, 7 - Math.Max(scale, 0));
        long rest = ticks % unit;
        return rest * 2 >= unit ? ticks - rest + unit : ticks - rest;
    }

    private static int IntegerDigits(decimal d)
    {
        d = Math.Abs(Math.Truncate(d));
        int digits = 0;
        while (d >= 1) { d = Math.Truncate(d / 10); digits++; }
        return digits;
    }

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";

    /// <summary>
    /// The text of a value in a test file and whether it must be quoted: strings, dates, times,
    /// guids and binary are quoted; numbers, booleans and null are plain. Reloading the text with
    /// the same column type gives an equal value.
    /// </summary>
    public static (string Text, bool Quoted) Format(object? value, SqlType? type = null) => value switch
    {
        null => ("null", false),
        bool b => (b ? "true" : "false", false),
        string s => (s, true),
        decimal d => (d.ToString(Inv), false),
        double d => (d.ToString("R", Inv), false),
        float f => (f.ToString("R", Inv), false),
        DateTime dt => (FormatDateTime(dt, type), true),
        DateTimeOffset dto => (FormatDateTime(dto.DateTime, new SqlType("datetime2", Scale: 7)) + dto.ToString("zzz", Inv), true),
        TimeSpan ts => (ts.ToString("c", Inv), true),
        Guid g => (g.ToString("D"), true),
        byte[] bytes => ("0x" + Convert.ToHexString(bytes), true),
        IFormattable n => (n.ToString(null, Inv), false), // byte, short, int, long
        _ => (value.ToString() ?? "", true),
    };

    /// <summary>ISO 8601: a date alone for date columns (and midnight values of unknown type), otherwise date and time with the fraction that is there.</summary>
    public static string FormatDateTime(DateTime dt, SqlType? type = null)
    {
        if (type?.Name == "date" || (type is null && dt.TimeOfDay == TimeSpan.Zero))
            return dt.ToString("yyyy-MM-dd", Inv);
        var s = dt.ToString("yyyy-MM-ddTHH:mm:ss", Inv);
        long fraction = dt.Ticks % TimeSpan.TicksPerSecond;
        return fraction == 0 ? s : s + "." + fraction.ToString("0000000", Inv).TrimEnd('0');
    }
}
