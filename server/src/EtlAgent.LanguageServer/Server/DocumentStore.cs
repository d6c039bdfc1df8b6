using EtlAgent.Core.Syntax;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;

namespace EtlAgent.LanguageServer.Server;

/// <summary>The text of open documents, with incremental changes applied in order.</summary>
public sealed class DocumentStore
{
    private readonly Dictionary<string, OpenDocument> _open = new(StringComparer.Ordinal);

    public sealed record OpenDocument(string Uri, string Path, string Text, int Version);

    public OpenDocument Open(string uri, string path, string text, int version)
    {
        var doc = new OpenDocument(uri, path, text, version);
        lock (_open) _open[uri] = doc;
        return doc;
    }

    public OpenDocument? Get(string uri)
    {
        lock (_open) return _open.GetValueOrDefault(uri);
    }

    public bool Close(string uri)
    {
        lock (_open) return _open.Remove(uri);
    }

    public IReadOnlyList<OpenDocument> All
    {
        get { lock (_open) return _open.Values.ToList(); }
    }

    public bool IsOpenPath(string path)
    {
        lock (_open) return _open.Values.Any(d => d.Path == path);
    }

    /// <summary>Applies the changes of one didChange in order; a change without a range replaces the text.</summary>
    public OpenDocument Change(string uri, int? version, IReadOnlyList<TextDocumentContentChangeEvent> changes)
    {
        lock (_open)
        {
            if (!_open.TryGetValue(uri, out var doc))
                throw new InvalidOperationException($"didChange for {uri}, which is not open.");
            var text = doc.Text;
            foreach (var c in changes) text = Apply(text, c);
            doc = doc with { Text = text, Version = version ?? doc.Version + 1 };
            _open[uri] = doc;
            return doc;
        }
    }

    public static string Apply(string text, TextDocumentContentChangeEvent change)
    {
        if (change.Range is null) return change.Text;
        var lines = new LineIndex(text);
        int start = ClampedOffset(text, lines, change.Range.Start);
        int end = Math.Max(start, ClampedOffset(text, lines, change.Range.End));
        return string.Concat(text.AsSpan(0, start), change.Text, text.AsSpan(end));
    }

    // A character past the end of its line means the end of that line (LSP 3.17 §Position).
    private static int ClampedOffset(string text, LineIndex lines, Protocol.Position p)
    {
        if (p.Line >= lines.LineCount) return text.Length;
        int lineStart = lines.LineStart(p.Line);
        int lineEnd = p.Line + 1 < lines.LineCount ? lines.LineStart(p.Line + 1) : text.Length;
        // The line's content ends before its terminator.
        int contentEnd = lineEnd;
        while (contentEnd > lineStart && text[contentEnd - 1] is '\n' or '\r') contentEnd--;
        return Math.Min(lineStart + Math.Max(0, p.Character), contentEnd);
    }
}
