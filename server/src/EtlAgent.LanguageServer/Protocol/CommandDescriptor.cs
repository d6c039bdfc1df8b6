namespace EtlAgent.LanguageServer.Protocol;

// The command list of the initialize result (capabilities.experimental.etlAgent.commands): what each
// command is called, what it takes and how a client should run it, so clients keep no copy of their
// own. Documented in docs/lsp-extensions.md; the TypeScript twin is vscode-extension/src/protocol.ts
// and the C# one vs-extension/EtlAgent.VisualStudio/Protocol.

public sealed class CommandDescriptor
{
    public string Id { get; set; } = "";
    /// <summary>The title a client shows in menus and palettes (without a category prefix).</summary>
    public string Title { get; set; } = "";
    public List<CommandArgument> Arguments { get; set; } = new();
    /// <summary>Run without arguments (menu, palette), the client passes [active document URI, 0-based cursor line] instead.</summary>
    public bool Cursor { get; set; }
    /// <summary>Long: the client passes a workDoneToken and shows a cancellable progress titled "ETL Agent: {Title}".</summary>
    public bool Progress { get; set; }
    /// <summary>Writes files or re-runs the workspace: a client refreshes its Pipelines view afterwards.</summary>
    public bool ChangesWorkspace { get; set; }
    /// <summary>The result's type name in docs/lsp-extensions.md ("null" when it returns nothing).</summary>
    public string Returns { get; set; } = "null";
}

public sealed class CommandArgument
{
    public string Name { get; set; } = "";
    /// <summary>"string" (a transformation name), "uri" (a document URI) or "integer".</summary>
    public string Type { get; set; } = "string";
    public bool Optional { get; set; }
    public string Description { get; set; } = "";

    public static CommandArgument Transformation(bool optional = false, string? description = null) => new()
    {
        Name = "transformation", Type = "string", Optional = optional,
        Description = description ?? "the transformation's name as the server reports it (e.g. Etl.LoadCustomer)",
    };

    public static CommandArgument Document(string description) => new() { Name = "uri", Type = "uri", Description = description };
}
