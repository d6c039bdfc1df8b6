namespace EtlAgent.Core.Ports;

/// <summary>
/// How the engine sees a workspace's files. Paths are workspace-relative with '/' separators.
/// The disk implementation is <see cref="Workspace.PhysicalFileSource"/>; the language server
/// overlays open editor buffers on top of it; tests use an in-memory source.
/// </summary>
public interface IFileSource
{
    /// <summary>Every file under the root (ignored folders excluded by the caller's filter).</summary>
    IEnumerable<string> EnumerateFiles();

    bool Exists(string path);

    /// <summary>Reads the file as text (BOM detected and removed).</summary>
    string ReadAllText(string path);
}

/// <summary>An in-memory file source, for tests and for analysing unsaved text.</summary>
public sealed class MemoryFileSource : IFileSource, IFileWriter
{
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);

    public MemoryFileSource(IEnumerable<KeyValuePair<string, string>>? files = null)
    {
        if (files is not null)
            foreach (var (k, v) in files) _files[k] = v;
    }

    public MemoryFileSource Add(string path, string text) { _files[path] = text; return this; }

    /// <summary>Copies another source's files (those <paramref name="include"/> accepts), replacing files of the same path.</summary>
    public MemoryFileSource AddAll(IFileSource source, Func<string, bool>? include = null)
    {
        foreach (var f in source.EnumerateFiles())
            if (include is null || include(f)) _files[f] = source.ReadAllText(f);
        return this;
    }

    public void WriteAllText(string path, string text) => _files[path] = text;

    public IEnumerable<string> EnumerateFiles() => _files.Keys.OrderBy(k => k, StringComparer.Ordinal);
    public bool Exists(string path) => _files.ContainsKey(path);
    public string ReadAllText(string path) =>
        _files.TryGetValue(path, out var t) ? t : throw new FileNotFoundException($"{path}: no such file in the workspace.", path);
}
