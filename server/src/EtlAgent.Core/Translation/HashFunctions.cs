using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>
/// HASHBYTES hashes the bytes SQL Server stores: UTF-16LE for nvarchar/nchar, one byte per character
/// (code page 1252) for varchar/char, the bytes themselves for varbinary. DuckDB strings are UTF-8,
/// so the bytes are spelled out as hex first (macros below) and hashed as a BLOB.
/// </summary>
public static class HashFunctions
{
    /// <summary>The host function (the sandbox's HostFunctions) that gives SHA-512 of bytes as hex: DuckDB has no SHA-512.</summary>
    public const string Sha512HexFunction = "tsql_sha512_hex";

    public static IEnumerable<string> MacroDefinitions()
    {
        // two bytes per character of the Basic Multilingual Plane, a surrogate pair above it
        yield return "CREATE MACRO tsql_utf16le_hex(s) AS CASE WHEN s = '' THEN '' ELSE array_to_string(list_transform(string_split(s, ''), c -> " +
            "CASE WHEN unicode(c) < 65536 THEN printf('%02X%02X', unicode(c) % 256, unicode(c) // 256) " +
            "ELSE printf('%02X%02X%02X%02X', (55296 + (unicode(c) - 65536) // 1024) % 256, (55296 + (unicode(c) - 65536) // 1024) // 256, " +
            "(56320 + (unicode(c) - 65536) % 1024) % 256, (56320 + (unicode(c) - 65536) % 1024) // 256) END), '') END;";
        // code page 1252 agrees with Unicode on ASCII and on U+00A0..U+00FF; other characters are refused
        yield return @"CREATE MACRO tsql_cp1252_hex(s) AS CASE WHEN s = '' THEN '' WHEN regexp_matches(s, '[^\x{01}-\x{7F}\x{A0}-\x{FF}]') THEN " +
            RaiseUnsupported("HASHBYTES of a varchar value with characters outside ASCII and Latin-1 (their code page 1252 bytes)") +
            " ELSE array_to_string(list_transform(string_split(s, ''), c -> printf('%02X', unicode(c))), '') END;";
    }

    internal static Tx HashBytes(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a)
    {
        string fn = (a[0].StringConstant ?? throw t.Unsupported("HASHBYTES with a non-constant algorithm", f)).ToUpperInvariant() switch
        {
            "MD5" => "md5", "SHA1" => "sha1", "SHA2_256" => "sha256", "SHA2_512" => Sha512HexFunction,
            var alg => throw t.Unsupported($"HASHBYTES algorithm {alg}", f),
        };
        var x = a[1];
        string bytes = x.Type switch
        {
            null when x.StringConstant is not null => $"unhex(tsql_cp1252_hex({x.Sql}))",
            { IsString: true, IsUnicode: true } => $"unhex(tsql_utf16le_hex({x.Sql}))",
            { IsString: true } => $"unhex(tsql_cp1252_hex({x.Sql}))",
            { Name: "varbinary" or "binary" } => x.Sql,
            _ => throw t.Unsupported($"HASHBYTES of a {x.Type?.ToString() ?? "value of unknown type"} value", f, "SQL Server hashes the value's stored bytes"),
        };
        // MD5, SHA1 and SHA2_256 take VARCHAR or BLOB in DuckDB; the host function takes a BLOB
        return new($"unhex({fn}({(fn == Sha512HexFunction ? $"CAST({bytes} AS BLOB)" : bytes)}))", new SqlType("varbinary", 8000));
    }
}
