using Microsoft.Data.SqlClient;

namespace EtlAgent.Core.Sandbox.SqlServer;

/// <summary>
/// Refuses any SQL Server target that is not explicitly marked as a sandbox. A database is a
/// sandbox when its name says so — ends with _sandbox, _test or _tests, starts with sandbox_ or
/// test_, or is tempdb — or when etl-agent.json lists it in sandbox.allowDatabase. System
/// databases are never used. The name is checked before connecting (Initial Catalog must be set:
/// the login's default database is never trusted) and again on the open connection (DB_NAME()),
/// so a synonym, a login default or a failover cannot lead somewhere else.
/// </summary>
public static class ProductionGuard
{
    public static readonly IReadOnlyList<string> SandboxSuffixes = new[] { "_sandbox", "_test", "_tests" };
    public static readonly IReadOnlyList<string> SandboxPrefixes = new[] { "sandbox_", "test_" };
    private static readonly string[] SystemDatabases = { "master", "model", "msdb", "distribution", "resource" };

    public sealed record Decision(bool Allowed, string? Database, string Reason);

    /// <summary>Decides from the connection string alone, before any connection is opened.</summary>
    public static Decision Check(string connectionString, IReadOnlyList<string> allowDatabases)
    {
        SqlConnectionStringBuilder builder;
        try { builder = new SqlConnectionStringBuilder(connectionString); }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            return new Decision(false, null, $"the SQL Server connection string cannot be read: {e.Message}");
        }
        if (!string.IsNullOrWhiteSpace(builder.AttachDBFilename))
            return new Decision(false, null, "the SQL Server connection string attaches a database file (AttachDBFilename); name a sandbox database with Initial Catalog instead");
        var database = builder.InitialCatalog?.Trim();
        if (string.IsNullOrEmpty(database))
            return new Decision(false, null, "the SQL Server connection string names no database (Initial Catalog / Database); the login's default database is never used as a sandbox");
        return CheckDatabase(database, allowDatabases);
    }

    /// <summary>Decides for a database name (also used on the open connection with DB_NAME()).</summary>
    public static Decision CheckDatabase(string database, IReadOnlyList<string> allowDatabases)
    {
        if (SystemDatabases.Contains(database, StringComparer.OrdinalIgnoreCase))
            return new Decision(false, database, $"'{database}' is a system database; it is never used as a sandbox");
        if (allowDatabases.Contains(database, StringComparer.OrdinalIgnoreCase))
            return new Decision(true, database, $"'{database}' is listed in sandbox.allowDatabase");
        if (IsSandboxName(database))
            return new Decision(true, database, $"'{database}' is named as a sandbox");
        return new Decision(false, database,
            $"refusing to run tests in database '{database}': it is not marked as a sandbox. Tests write to the database (inside a transaction that is rolled back), " +
            $"so only a database whose name ends with {string.Join(", ", SandboxSuffixes)}, starts with {string.Join(" or ", SandboxPrefixes)}, or is tempdb is used — " +
            $"or one listed in etl-agent.json: \"sandbox\": {{ \"allowDatabase\": \"{database}\" }}");
    }

    public static bool IsSandboxName(string database) =>
        database.Equals("tempdb", StringComparison.OrdinalIgnoreCase) ||
        SandboxSuffixes.Any(s => database.Length > s.Length && database.EndsWith(s, StringComparison.OrdinalIgnoreCase)) ||
        SandboxPrefixes.Any(p => database.Length > p.Length && database.StartsWith(p, StringComparison.OrdinalIgnoreCase));
}
