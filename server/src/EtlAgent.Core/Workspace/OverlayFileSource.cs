using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Workspace;

/// <summary>
/// The workspace as the editor sees it: open buffers (text + editor version) over the files on
/// disk. Thread-safe; the language server writes, the session's worker reads.
/// </summary>
public sealed class OverlayFileSource : IFileSource
{
    private readonly IFileSource _disk;
    private readonly Dictionary<string, (string Text, int? Version)> _open = new(StringComparer.Ordinal);

    public OverlayFileSource(IFileSource disk)
    {
        _disk = disk;
    }

    public IFileSource Disk => _disk;

    public void Set(string path, string text, int? version)
    {
        lock (_open) _open[path] = (text, version);
    }

    public bool Remove(string path)
    {
        lock (_open) return _open.Remove(path);
    }

    public bool IsOpen(string path)
    {
        lock (_open) return _open.ContainsKey(path);
    }

    /// <summary>The open buffer's text and version, if the document is open.</summary>
    public bool TryGetOpen(string path, out string text, out int? version)
    {
        lock (_open)
        {
            if (_open.TryGetValue(path, out var entry))
            {
                (text, version) = entry;
                return true;
            }
        }
        text = "";
        version = null;
        return false;
    }

    public IEnumerable<string> EnumerateFiles()
    {
        List<string> open;
        lock (_open) open = _open.Keys.ToList();
        var seen = new HashSet<string>(open, StringComparer.Ordinal);
        foreach (var f in _disk.EnumerateFiles())
            if (seen.Add(f)) yield return f;
        foreach (var f in open) yield return f;
    }

    public bool Exists(string path) => IsOpen(path) || _disk.Exists(path);

    public string ReadAllText(string path) => TryGetOpen(path, out var text, out _) ? text : _disk.ReadAllText(path);
}
