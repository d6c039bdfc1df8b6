namespace EtlAgent.Core.Workspace;

/// <summary>A write refused because the path's real location is not inside the workspace.</summary>
public sealed class OutsideWorkspaceException(string path, string message) : IOException(message)
{
    /// <summary>The workspace-relative path that was asked for.</summary>
    public string Path { get; } = path;
}
