using System.Text.RegularExpressions;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Discovery;

/// <summary>T-SQL scripts, procedures, views and functions (*.sql), parsed with ScriptDom at the workspace's compatibility level.</summary>
public sealed partial class TSqlSourceKind : SourceKind
{
    public override string Name => "T-SQL";

    public override IReadOnlyList<string> LanguageIds { get; } = new[] { "sql" };

    public override IReadOnlyList<string> Extensions { get; } = new[] { ".sql" };

    public override DocumentFacts Scan(string path, string text, WorkspaceSettings settings) =>
        DocumentScanner.Scan(new SqlParser(settings.CompatibilityLevel, settings.SqlcmdVariables).Parse(path, text));

    public override DocumentFacts? Rescan(DocumentFacts previous, string text, WorkspaceSettings settings) =>
        IncrementalReparser.TryReparse(previous.Document, text, settings.CompatibilityLevel) is { } doc ? DocumentScanner.Scan(doc) : null;

    public override bool MayDefineCatalogObjects(string text) => CatalogDdl().IsMatch(text);

    [GeneratedRegex(@"\b(?:CREATE|ALTER)\s+(?:OR\s+ALTER\s+)?(?:(?:EXTERNAL\s+)?TABLE\s+(?![\[""]?#)|TYPE\b|SEQUENCE\b|VIEW\b|FUNCTION\b|SYNONYM\b)|\bsp_rename\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CatalogDdl();
}
