using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Rules;

/// <summary>
/// SQL Server's own metadata: catalog views and DMVs (`sys.*`, also as `master.sys.*`) and the
/// INFORMATION_SCHEMA views. They hold no table data a load reads and no index a predicate could seek.
/// </summary>
public static class SystemCatalogNames
{
    public static bool IsSystemCatalog(SchemaObjectName? name)
    {
        var schema = name?.SchemaIdentifier?.Value;
        return string.Equals(schema, "sys", StringComparison.OrdinalIgnoreCase) ||
               string.Equals(schema, "INFORMATION_SCHEMA", StringComparison.OrdinalIgnoreCase);
    }
}
