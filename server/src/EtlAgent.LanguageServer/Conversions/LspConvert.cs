using System.Text.Json;
using System.Text.Json.Nodes;
using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using LspRange = EtlAgent.LanguageServer.Protocol.Range;
using LspPosition = EtlAgent.LanguageServer.Protocol.Position;
using LspTextEdit = EtlAgent.LanguageServer.Protocol.TextEdit;

namespace EtlAgent.LanguageServer.Conversions;

/// <summary>
/// Every conversion between the engine's model and LSP lives here. Positions are zero-based
/// line/character in UTF-16 code units on both sides, so ranges map one to one.
/// </summary>
public static class LspConvert
{
    public const string Source = "etl-agent";

    public static LspPosition Position(LinePosition p) => new(p.Line, p.Character);

    public static LspRange Range(TextRange r) => new(Position(r.Start), Position(r.End));

    public static LinePosition LinePosition(LspPosition p) => new(p.Line, p.Character);

    public static int Severity(Severity s) => s switch
    {
        Core.Model.Severity.Error => DiagnosticSeverity.Error,
        Core.Model.Severity.Warning => DiagnosticSeverity.Warning,
        Core.Model.Severity.Information => DiagnosticSeverity.Information,
        _ => DiagnosticSeverity.Hint,
    };

    public static Diagnostic Diagnostic(Finding f, WorkspacePaths paths, int? version)
    {
        var d = new Diagnostic
        {
            Range = Range(f.Location.Range),
            Severity = Severity(f.Severity),
            Code = f.RuleId,
            Source = Source,
            Message = f.Message,
        };
        if (RuleRegistry.FindKind(f.RuleId) is { } rule) d.CodeDescription = new CodeDescription { Href = rule.Descriptor.HelpUri };
        if (f.Related.Count > 0)
            d.RelatedInformation = f.Related.Select(r => new DiagnosticRelatedInformation
            {
                Location = new Protocol.Location(paths.ToUri(r.Location.File), Range(r.Location.Range)),
                Message = r.Message,
            }).ToList();
        if (f.Fixes.Count > 0) d.Data = DiagnosticData.ToJson(f, paths, version);
        return d;
    }

    public static WorkspaceEdit WorkspaceEdit(IEnumerable<Core.Model.TextEdit> edits, WorkspacePaths paths)
    {
        var changes = new Dictionary<string, List<LspTextEdit>>(StringComparer.Ordinal);
        foreach (var e in edits)
        {
            var uri = paths.ToUri(e.File);
            if (!changes.TryGetValue(uri, out var list)) changes[uri] = list = new List<LspTextEdit>();
            list.Add(new LspTextEdit(Range(e.Range), e.NewText));
        }
        return new WorkspaceEdit { Changes = changes };
    }

    public static JsonNode? ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, LspJson.Options);

    public static T? FromNode<T>(JsonNode? node) => node is null ? default : node.Deserialize<T>(LspJson.Options);
}

/// <summary>
/// What a diagnostic carries in `data`: the rule id, the document version the fixes were
/// computed for, and each fix as a ready <see cref="Protocol.WorkspaceEdit"/>. A code action
/// turns it into a quick fix without recomputing anything.
/// </summary>
public sealed class DiagnosticData
{
    public string RuleId { get; set; } = "";
    public int? Version { get; set; }
    public List<DiagnosticFix> Fixes { get; set; } = new();

    public static JsonNode? ToJson(Finding f, WorkspacePaths paths, int? version) => LspConvert.ToNode(new DiagnosticData
    {
        RuleId = f.RuleId,
        Version = version,
        Fixes = f.Fixes.Select(fix => new DiagnosticFix
        {
            Title = fix.Title,
            Verified = fix.Verified,
            Edit = LspConvert.WorkspaceEdit(fix.Edits, paths),
        }).ToList(),
    });

    public static DiagnosticData? From(JsonNode? data)
    {
        try { return LspConvert.FromNode<DiagnosticData>(data); }
        catch (JsonException) { return null; }
    }
}

public sealed class DiagnosticFix
{
    public string Title { get; set; } = "";
    public bool Verified { get; set; }
    public WorkspaceEdit Edit { get; set; } = new();
}
