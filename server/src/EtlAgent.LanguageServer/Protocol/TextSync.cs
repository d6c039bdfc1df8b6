namespace EtlAgent.LanguageServer.Protocol;

public sealed class DidOpenTextDocumentParams
{
    public TextDocumentItem TextDocument { get; set; } = new();
}

public sealed class DidChangeTextDocumentParams
{
    public VersionedTextDocumentIdentifier TextDocument { get; set; } = new();
    public List<TextDocumentContentChangeEvent> ContentChanges { get; set; } = new();
}

/// <summary>An incremental change (with a range) or the whole new text (without one).</summary>
public sealed class TextDocumentContentChangeEvent
{
    public Range? Range { get; set; }
    public int? RangeLength { get; set; }
    public string Text { get; set; } = "";
}

public sealed class DidSaveTextDocumentParams
{
    public TextDocumentIdentifier TextDocument { get; set; } = new();
    public string? Text { get; set; }
}

public sealed class DidCloseTextDocumentParams
{
    public TextDocumentIdentifier TextDocument { get; set; } = new();
}
