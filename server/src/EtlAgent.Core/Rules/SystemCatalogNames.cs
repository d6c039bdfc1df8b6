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

    /// <summary>SQL Server 2000's system tables, still there as compatibility views (`dbo.sysobjects`, `sysforeignkeys`).</summary>
    public static readonly IReadOnlySet<string> LegacySystemViews = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "sysobjects", "syscolumns", "sysindexes", "sysindexkeys", "systypes", "sysusers", "syscomments", "sysdepends",
        "sysfiles", "sysfilegroups", "sysforeignkeys", "sysreferences", "sysconstraints", "sysmembers", "syspermissions",
        "sysprotects", "sysdatabases", "sysprocesses", "syslogins", "sysservers", "sysjobs", "sysjobhistory",
    };

    /// <summary>Databases SQL Server (and its SSIS catalog) creates and keeps: their objects are not the workspace's.</summary>
    public static bool IsSystemDatabase(string? database) =>
        database is not null && (database.Equals("master", StringComparison.OrdinalIgnoreCase) || database.Equals("msdb", StringComparison.OrdinalIgnoreCase) ||
                                 database.Equals("model", StringComparison.OrdinalIgnoreCase) || database.Equals("SSISDB", StringComparison.OrdinalIgnoreCase));
}
