using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Catalog;

/// <summary>Converts ScriptDom type references to <see cref="SqlType"/>, with SQL Server's defaults.</summary>
public static class DataTypes
{
    /// <summary>
    /// The type a reference names; an alias type in <paramref name="aliases"/> is its base type. Any other
    /// user-defined type keeps its name and <see cref="SqlType.UserType"/> (a table type; an alias type the
    /// catalog resolves later, or one defined nowhere, which the sandbox refuses where it is used).
    /// </summary>
    public static SqlType From(DataTypeReference? reference, AliasTypes aliases) => aliases.Resolve(Written(reference));

    private static SqlType Written(DataTypeReference? reference)
    {
        switch (reference)
        {
            case SqlDataTypeReference sql:
            {
                var name = sql.SqlDataTypeOption.ToString().ToLowerInvariant();
                var args = sql.Parameters.Select(ParseArg).ToList();
                return Normalize(name, args);
            }
            case XmlDataTypeReference:
                return new SqlType("xml");
            case UserDataTypeReference user:
            {
                // sysname, [sys].[geography], hierarchyid, table types and alias types arrive here.
                var name = user.Name.BaseIdentifier.Value.ToLowerInvariant();
                var args = user.Parameters.Select(ParseArg).ToList();
                var type = Normalize(name, args);
                var schema = user.Name.SchemaIdentifier?.Value;
                return BuiltIn.Contains(name) && (schema is null || schema.Equals("sys", StringComparison.OrdinalIgnoreCase)) ? type
                    : type with { UserType = new QualifiedName(user.Name.SchemaIdentifier?.Value, user.Name.BaseIdentifier.Value) };
            }
            case null:
                return new SqlType("sql_variant");
            default:
                return new SqlType(reference.Name?.BaseIdentifier?.Value?.ToLowerInvariant() ?? "sql_variant");
        }
    }

    /// <summary>Built-in types ScriptDom reads as user-defined type references (no keyword of their own).</summary>
    private static readonly HashSet<string> BuiltIn = new(StringComparer.OrdinalIgnoreCase) { "sysname", "geography", "geometry", "hierarchyid" };

    private static int? ParseArg(Literal literal) => literal switch
    {
        MaxLiteral => SqlType.Max,
        IntegerLiteral i when int.TryParse(i.Value, out var v) => v,
        NumericLiteral n when decimal.TryParse(n.Value, System.Globalization.CultureInfo.InvariantCulture, out var d) => (int)d,
        _ => null,
    };

    /// <summary>Applies SQL Server's defaults: decimal(18,0), datetime2(7), varchar(1) in DDL.</summary>
    public static SqlType Normalize(string name, IReadOnlyList<int?> args)
    {
        switch (name)
        {
            case "decimal" or "numeric":
                return new SqlType(name, Precision: args.Count > 0 ? args[0] ?? 18 : 18, Scale: args.Count > 1 ? args[1] ?? 0 : 0);
            case "datetime2" or "time" or "datetimeoffset":
                return new SqlType(name, Scale: args.Count > 0 ? args[0] ?? 7 : 7);
            case "float":
                return new SqlType(name, Precision: args.Count > 0 ? (args[0] <= 24 ? 24 : 53) : 53);
            case "char" or "varchar" or "nchar" or "nvarchar" or "binary" or "varbinary":
                return new SqlType(name, Length: args.Count > 0 ? args[0] ?? 1 : 1);
            case "sysname":
                return new SqlType("sysname", Length: 128);
            default:
                return new SqlType(name);
        }
    }

    /// <summary>Parses a type as written in text, e.g. "nvarchar(50)" or "decimal(18, 2)".</summary>
    public static SqlType Parse(string text)
    {
        text = text.Trim();
        int paren = text.IndexOf('(');
        var name = (paren < 0 ? text : text[..paren]).Trim().Trim('[', ']').ToLowerInvariant();
        var args = new List<int?>();
        if (paren >= 0)
        {
            var inner = text[(paren + 1)..].TrimEnd(')', ' ');
            foreach (var part in inner.Split(','))
            {
                var p = part.Trim();
                args.Add(p.Equals("max", StringComparison.OrdinalIgnoreCase) ? SqlType.Max : int.TryParse(p, out var v) ? v : null);
            }
        }
        return Normalize(name, args);
    }
}
