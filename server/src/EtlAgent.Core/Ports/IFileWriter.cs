namespace EtlAgent.Core.Ports;

/// <summary>
/// How the engine writes files inside the workspace (generated tests, reports). Paths are
/// workspace-relative with '/' separators; missing folders are created. The agent writes only
/// inside the workspace, so an implementation refuses a path that leaves it.
/// </summary>
public interface IFileWriter
{
    void WriteAllText(string path, string text);
}
