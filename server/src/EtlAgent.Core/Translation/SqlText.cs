using System.Globalization;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Translation;

/// <summary>
/// Quoting, literals and the runtime error marker shared by translator and sandbox. The one place
/// where text from user code (object names, string values) is escaped for DuckDB: every identifier
/// goes through <see cref="Id"/>, every string literal through <see cref="Str"/>.
/// </summary>
public static class SqlText
{
    /// <summary>A DuckDB quoted identifier: any character may appear inside, a double quote doubled.</summary>
    public static string Id(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>A DuckDB string literal (standard strings: a backslash is no escape), a single quote doubled.</summary>
    public static string Str(string s) => "'" + s.Replace("'", "''") + "'";

    /// <summary>
    /// The name a sequence has in DuckDB. nextval()/currval() read their string argument with a name
    /// parser that drops every double quote, a doubled one included, so a sequence's name carries
    /// none: '%' and '"' are written %25 and %22 (one name per name, no two alike).
    /// </summary>
    public static string SequencePhysicalName(string sequence) => sequence.Replace("%", "%25").Replace("\"", "%22");

    /// <summary>A sequence as CREATE/DROP SEQUENCE name it.</summary>
    public static string SequenceId(string sequence) => Id(SequencePhysicalName(sequence));

    /// <summary>A sequence as the string argument nextval()/currval() take.</summary>
    public static string SequenceArgument(string sequence) => Str(SequenceId(sequence));

    /// <summary>DuckDB error() call carrying a SQL Server error number, decoded by the sandbox.</summary>
    public static string Raise(int number, string message) => $"error({Str(ErrorMarker(number) + message)})";

    public static string ErrorMarker(int number) => $"[[{number}]]";

    /// <summary>
    /// A catalog object in DuckDB: every object lives in DuckDB's main schema as "Schema.Name",
    /// because DuckDB cannot create foreign keys across schemas. References always carry an alias
    /// (the T-SQL exposed name), so two- and three-part column references still bind.
    /// </summary>
    /// <summary>A catalog table's DuckDB name: "schema.name", or "database.schema.name" for another database's object.</summary>
    public static string Table(QualifiedName name) => Id(name.Database is null ? name.Schema + "." + name.Name : name.ToString());

    /// <summary>Marker of a DuckDB error() that means "the sandbox cannot answer this exactly": an unsupported construct, not a SQL Server error.</summary>
    public const string UnsupportedMarker = "[[unsupported]]";

    /// <summary>DuckDB error() call refusing, at run time, a value the sandbox cannot represent exactly.</summary>
    public static string RaiseUnsupported(string construct) => $"error({Str(UnsupportedMarker + construct)})";

    /// <summary>
    /// datetime2(7)'s maximum, 9999-12-31 23:59:59.9999999 (the SCD2 end-of-time sentinel). DuckDB's
    /// TIMESTAMP keeps microseconds, so it is stored as <see cref="DateTime2MaxStored"/>: no other
    /// datetime2(7) value lies between the two, so comparisons and ordering stay exact, and a
    /// datetime2(7) read back at that instant is the maximum again.
    /// </summary>
    public static readonly DateTime DateTime2Max = DateTime.MaxValue;

    public static readonly DateTime DateTime2MaxStored = DateTime.MaxValue.AddTicks(-9);

    public const string DateTime2MaxStoredSql = "TIMESTAMP '9999-12-31 23:59:59.999999'";

    /// <summary>
    /// Refuses a date/time value with a non-zero 100-ns digit (DuckDB keeps microseconds), except the
    /// datetime2 maximum. Dropping the digit would be a silently different answer.
    /// </summary>
    public static void CheckMicroseconds(object? value, string? where = null, Location? location = null)
    {
        long ticks = value switch
        {
            DateTime d when d != DateTime2Max => d.Ticks,
            DateTimeOffset o => o.Ticks,
            TimeSpan t => t.Ticks,
            TimeOnly t => t.Ticks,
            _ => 0,
        };
        if (ticks % 10 == 0) return;
        string text = value switch
        {
            DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture),
            DateTimeOffset o => o.ToString("yyyy-MM-dd HH:mm:ss.fffffff zzz", CultureInfo.InvariantCulture),
            TimeSpan t => t.ToString("hh\\:mm\\:ss\\.fffffff", CultureInfo.InvariantCulture),
            _ => value!.ToString()!,
        };
        throw new UnsupportedConstructException($"{where ?? "the value"} {text} (a non-zero 7th fractional-second digit, 100 ns)", location,
            "DuckDB keeps microseconds; only datetime2's maximum 9999-12-31 23:59:59.9999999 is kept exactly");
    }

    /// <summary>A .NET value as a DuckDB literal of the T-SQL type.</summary>
    public static string Literal(object? value, SqlType? type)
    {
        string duck = type is null ? "" : DuckTypes.Of(type);
        if (value is null) return type is null ? "NULL" : $"CAST(NULL AS {duck})";
        CheckMicroseconds(value);
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
            byte[] b => $"unhex('{Convert.ToHexString(b)}')",
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
