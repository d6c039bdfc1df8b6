namespace EtlAgent.Core.Ports;

/// <summary>
/// How the engine writes files inside the workspace (generated tests, reports). Paths are
/// workspace-relative with '/' separators; missing folders are created. The agent writes only
/// inside the workspace, so an implementation refuses a path whose real location (symbolic links
/// followed) leaves it, with an <see cref="IOException"/> naming the path
/// (<see cref="Workspace.OutsideWorkspaceException"/> on disk).
/// </summary>
public interface IFileWriter
{
    void WriteAllText(string path, string text);
}
