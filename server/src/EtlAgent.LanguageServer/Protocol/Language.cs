using System.Text.Json.Nodes;

namespace EtlAgent.LanguageServer.Protocol;

public static class DiagnosticSeverity
{
    public const int Error = 1;
    public const int Warning = 2;
    public const int Information = 3;
    public const int Hint = 4;
}

public sealed class Diagnostic
{
    public Range Range { get; set; } = new(new(0, 0), new(0, 0));
    public int? Severity { get; set; }
    public string? Code { get; set; }
    public CodeDescription? CodeDescription { get; set; }
    public string? Source { get; set; }
    public string Message { get; set; } = "";
    public List<DiagnosticRelatedInformation>? RelatedInformation { get; set; }
    /// <summary>Carries the finding's fixes (see Conversions/DiagnosticData) so a code action needs no recomputation.</summary>
    public JsonNode? Data { get; set; }
}

public sealed class CodeDescription
{
    public string Href { get; set; } = "";
}

public sealed class DiagnosticRelatedInformation
{
    public Location Location { get; set; } = new("", new(new(0, 0), new(0, 0)));
    public string Message { get; set; } = "";
}

public sealed class PublishDiagnosticsParams
{
    public string Uri { get; set; } = "";
    public int? Version { get; set; }
    public List<Diagnostic> Diagnostics { get; set; } = new();
}

public sealed class CodeLensParams
{
    public TextDocumentIdentifier TextDocument { get; set; } = new();
}

public sealed class CodeLens
{
    public Range Range { get; set; } = new(new(0, 0), new(0, 0));
    public Command? Command { get; set; }
    public JsonNode? Data { get; set; }
}

public static class CodeActionKind
{
    public const string QuickFix = "quickfix";
    public const string Source = "source";
    public const string SourceFixAll = "source.fixAll";
    public const string RefactorRewrite = "refactor.rewrite";
    /// <summary>Our fix-all kind: every fix of the document in one edit.</summary>
    public const string SourceFixAllEtlAgent = "source.fixAll.etlAgent";
}

public sealed class CodeActionParams
{
    public TextDocumentIdentifier TextDocument { get; set; } = new();
    public Range Range { get; set; } = new(new(0, 0), new(0, 0));
    public CodeActionContext Context { get; set; } = new();
}

public sealed class CodeActionContext
{
    public List<Diagnostic> Diagnostics { get; set; } = new();
    public List<string>? Only { get; set; }
    public int? TriggerKind { get; set; }
}

public sealed class CodeAction
{
    public string Title { get; set; } = "";
    public string? Kind { get; set; }
    public List<Diagnostic>? Diagnostics { get; set; }
    public bool? IsPreferred { get; set; }
    public WorkspaceEdit? Edit { get; set; }
    public Command? Command { get; set; }
}
