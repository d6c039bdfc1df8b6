using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Catalog;

/// <summary>Converts ScriptDom type references to <see cref="SqlType"/>, with SQL Server's defaults.</summary>
public static class DataTypes
{
    public static SqlType From(DataTypeReference? reference)
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
                // sysname, [sys].[geography], hierarchyid and alias types arrive here.
                var name = user.Name.BaseIdentifier.Value.ToLowerInvariant();
                var args = user.Parameters.Select(ParseArg).ToList();
                return Normalize(name, args);
            }
            case null:
                return new SqlType("sql_variant");
            default:
                return new SqlType(reference.Name?.BaseIdentifier?.Value?.ToLowerInvariant() ?? "sql_variant");
        }
    }

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
