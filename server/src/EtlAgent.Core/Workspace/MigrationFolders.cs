namespace EtlAgent.Core.Workspace;

/// <summary>
/// Migration scripts (a folder whose name contains "migration": ReadyRoll, Flyway, Liquibase layouts) hold
/// each object's history: an early CREATE TABLE, later ALTERs, sometimes a drop and re-create. The object's
/// final shape is the schema model's definition, or else the last migration's.
/// </summary>
public static class MigrationFolders
{
    /// <summary>Whether a workspace-relative path lies under a migrations folder.</summary>
    public static bool Contains(string path)
    {
        var folders = path.Replace('\\', '/').Split('/');
        for (int i = 0; i < folders.Length - 1; i++)
            if (folders[i].Contains("migration", StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
