using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Memory;

/// <summary>Opens the memory the settings name (<see cref="MemorySettings"/>).</summary>
public static class MemoryStores
{
    /// <summary>
    /// The store for <paramref name="settings"/>; <paramref name="workspaceRoot"/> resolves a relative
    /// SQLite path (null: the workspace is not on disk, and the memory lives as long as the store).
    /// Nothing is contacted or created until the store is used.
    /// </summary>
    public static IMemoryStore Open(MemorySettings settings, string? workspaceRoot) => settings.Kind switch
    {
        "dynamodb" => new DynamoDbMemoryStore(settings.Table, settings.Region, settings.ServiceUrl),
        _ when System.IO.Path.IsPathRooted(settings.Path) => new SqliteMemoryStore(settings.Path),
        _ when workspaceRoot is not null => new SqliteMemoryStore(System.IO.Path.GetFullPath(System.IO.Path.Combine(workspaceRoot, settings.Path)), settings.Path),
        _ => new SqliteMemoryStore(":memory:", "in memory"),
    };
}
