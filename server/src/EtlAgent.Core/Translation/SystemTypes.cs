using EtlAgent.Core.Model;

namespace EtlAgent.Core.Translation;

/// <summary>What sys.types, sys.columns and sys.parameters say of a built-in type as declared.</summary>
public sealed record SystemTypeFacts(byte SystemTypeId, int UserTypeId, short MaxLength, byte Precision, byte Scale);

/// <summary>
/// The ids, lengths, precisions and scales SQL Server's catalog gives the built-in types (sys.types;
/// max_length in bytes, -1 for max). Alias and table types are the workspace's and have no fixed id.
/// </summary>
public static class SystemTypes
{
    /// <summary>The facts of a declared type, or null for a type that is not built in.</summary>
    public static SystemTypeFacts? Of(SqlType ty)
    {
        string name = ty.Name.ToLowerInvariant();
        if (MetadataFunctions.Bytes(ty) is not int bytes)
            bytes = name switch { "xml" => -1, "text" or "ntext" or "image" => 16, "sql_variant" => 8016, "timestamp" or "rowversion" => 8, "hierarchyid" => 892, _ => int.MinValue };
        if (bytes == int.MinValue) return null;
        int s = ty.Scale ?? 7;
        (int id, int user, int precision, int scale) = name switch
        {
            "image" => (34, 34, 0, 0), "text" => (35, 35, 0, 0), "uniqueidentifier" => (36, 36, 0, 0), "date" => (40, 40, 10, 0),
            "time" => (41, 41, s == 0 ? 8 : 9 + s, s), "datetime2" => (42, 42, s == 0 ? 19 : 20 + s, s), "datetimeoffset" => (43, 43, s == 0 ? 26 : 27 + s, s),
            "tinyint" => (48, 48, 3, 0), "smallint" => (52, 52, 5, 0), "int" => (56, 56, 10, 0), "smalldatetime" => (58, 58, 16, 0),
            "real" => (59, 59, 24, 0), "money" => (60, 60, 19, 4), "datetime" => (61, 61, 23, 3), "float" when ty.Precision is <= 24 => (59, 59, 24, 0),
            "float" => (62, 62, 53, 0), "sql_variant" => (98, 98, 0, 0), "ntext" => (99, 99, 0, 0), "bit" => (104, 104, 1, 0),
            "decimal" => (106, 106, ty.Precision ?? 18, ty.Scale ?? 0), "numeric" => (108, 108, ty.Precision ?? 18, ty.Scale ?? 0),
            "smallmoney" => (122, 122, 10, 4), "bigint" => (127, 127, 19, 0), "hierarchyid" => (240, 128, 0, 0),
            "varbinary" => (165, 165, 0, 0), "varchar" => (167, 167, 0, 0), "binary" => (173, 173, 0, 0), "char" => (175, 175, 0, 0),
            "timestamp" or "rowversion" => (189, 189, 0, 0), "nvarchar" => (231, 231, 0, 0), "sysname" => (231, 256, 0, 0),
            "nchar" => (239, 239, 0, 0), "xml" => (241, 241, 0, 0),
            _ => (0, 0, 0, 0),
        };
        if (id == 0) return null;
        // float(n ≤ 24) is real
        if (name == "float" && ty.Precision is <= 24) bytes = 4;
        return new SystemTypeFacts((byte)id, user, (short)bytes, (byte)precision, (byte)scale);
    }
}
