namespace EtlAgent.LanguageServer.Protocol;

// Custom requests (not LSP): the discover model and one transformation's column lineage.

public static class EtlAgentMethods
{
    public const string Pipelines = "etlAgent/pipelines";
    public const string Lineage = "etlAgent/lineage";
    /// <summary>Server → client notification: index state for a status bar ("indexing" with percentage, "ready").</summary>
    public const string Status = "etlAgent/status";
}

public sealed class PipelinesParams
{
}

/// <summary>Names a transformation, or points into a document (the transformation at that position).</summary>
public sealed class LineageParams
{
    public string? Name { get; set; }
    public TextDocumentIdentifier? TextDocument { get; set; }
    public Position? Position { get; set; }
}

public sealed class StatusParams
{
    public string State { get; set; } = "";
    public int? Percentage { get; set; }
    public int Files { get; set; }
    public int Findings { get; set; }
    public long Revision { get; set; }
}
