using EtlAgent.LanguageServer.Protocol;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// Diagnostics that do not come from the session's findings — test results and schema drift in
/// test files, mutation survivors in procedures — kept per layer (one per producer) and file, so
/// that a publication for a file carries all of them: LSP replaces a file's diagnostics with each
/// publishDiagnostics, and producers must not erase each other's. A layer's diagnostics may be tied
/// to the text they were computed on: they are dropped once the file's text differs.
/// </summary>
public sealed class DiagnosticLayers
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Dictionary<string, (IReadOnlyList<Diagnostic> Diagnostics, string? ForText)>> _byPath = new(StringComparer.Ordinal);

    /// <summary>Replaces <paramref name="layer"/>'s diagnostics for <paramref name="path"/> (none: removes them).</summary>
    public void Set(string layer, string path, IReadOnlyList<Diagnostic> diagnostics, string? forText = null)
    {
        lock (_gate)
        {
            if (!_byPath.TryGetValue(path, out var layers)) _byPath[path] = layers = new(StringComparer.Ordinal);
            if (diagnostics.Count == 0) layers.Remove(layer);
            else layers[layer] = (diagnostics, forText);
            if (layers.Count == 0) _byPath.Remove(path);
        }
    }

    /// <summary>The files <paramref name="layer"/> has diagnostics for.</summary>
    public IReadOnlyList<string> Paths(string layer)
    {
        lock (_gate) return _byPath.Where(kv => kv.Value.ContainsKey(layer)).Select(kv => kv.Key).ToList();
    }

    /// <summary>Every layer's diagnostics for the file; those computed on another text than <paramref name="currentText"/> are dropped.</summary>
    public IReadOnlyList<Diagnostic> For(string path, string? currentText)
    {
        lock (_gate)
        {
            if (!_byPath.TryGetValue(path, out var layers)) return Array.Empty<Diagnostic>();
            foreach (var stale in layers.Where(l => l.Value.ForText is not null && currentText is not null && l.Value.ForText != currentText).Select(l => l.Key).ToList())
                layers.Remove(stale);
            if (layers.Count == 0) _byPath.Remove(path);
            return layers.OrderBy(l => l.Key, StringComparer.Ordinal).SelectMany(l => l.Value.Diagnostics).ToList();
        }
    }
}
