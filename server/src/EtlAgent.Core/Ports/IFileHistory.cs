namespace EtlAgent.Core.Ports;

/// <summary>
/// Earlier versions of the workspace's files (the last green version for root-cause analysis).
/// Paths are workspace-relative with '/' separators; the disk implementation asks git
/// (<see cref="Workspace.GitRepository"/>), tests give the texts in memory.
/// </summary>
public interface IFileHistory
{
    /// <summary>The text of <paramref name="path"/> at <paramref name="revision"/>, or null when the file did not exist there.</summary>
    /// <remarks>Throws when the revision cannot be read at all (no repository, unknown ref), naming both.</remarks>
    string? ReadAt(string revision, string path);
}

/// <summary>File versions held in memory: revision → path → text.</summary>
public sealed class MemoryFileHistory : IFileHistory
{
    private readonly Dictionary<(string, string), string> _texts = new();

    public MemoryFileHistory Add(string revision, string path, string text) { _texts[(revision, path)] = text; return this; }

    public string? ReadAt(string revision, string path) => _texts.TryGetValue((revision, path), out var t) ? t : null;
}
