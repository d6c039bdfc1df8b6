using System.Text.Json.Nodes;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Handlers.Commands;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Lifecycle;

/// <summary>initialize: records the workspace root and client capabilities, advertises what the server really does.</summary>
public sealed class InitializeHandler(ServerContext server, ServerCommands commands)
{
    [JsonRpcMethod("initialize", UseSingleObjectParameterDeserialization = true)]
    public InitializeResult Initialize(InitializeParams request, CancellationToken cancellationToken)
    {
        if (server.Initialized)
            throw new LocalRpcException("initialize was already called.") { ErrorCode = ErrorCodes.InvalidRequest };
        var root = WorkspacePaths.RootFromUri(request.WorkspaceFolders?.FirstOrDefault()?.Uri)
                   ?? WorkspacePaths.RootFromUri(request.RootUri)
                   ?? request.RootPath
                   ?? Directory.GetCurrentDirectory();
        if (request.Trace is { } trace) server.Log.Trace = trace;
        server.Initialize(root, request.Capabilities ?? new ClientCapabilities(), ClientSettings.From(request.InitializationOptions));
        server.Log.Info($"initialize from {request.ClientInfo?.Name ?? "unknown client"} {request.ClientInfo?.Version}".TrimEnd());

        return new InitializeResult
        {
            ServerInfo = new ServerInfo { Name = "etl-agent", Version = typeof(InitializeHandler).Assembly.GetName().Version?.ToString(3) },
            Capabilities = new ServerCapabilities
            {
                PositionEncoding = "utf-16",
                TextDocumentSync = new TextDocumentSyncOptions
                {
                    OpenClose = true,
                    Change = TextDocumentSyncKind.Incremental,
                    Save = new SaveOptions { IncludeText = false },
                },
                CodeLensProvider = new CodeLensOptions { ResolveProvider = false },
                CodeActionProvider = new CodeActionOptions
                {
                    CodeActionKinds = new List<string> { CodeActionKind.QuickFix, CodeActionKind.SourceFixAllEtlAgent, CodeActionKind.RefactorRewrite },
                    ResolveProvider = false,
                },
                ExecuteCommandProvider = new ExecuteCommandOptions { Commands = commands.Ids.ToList() },
                Experimental = new JsonObject
                {
                    ["etlAgent"] = new JsonObject
                    {
                        ["requests"] = new JsonArray(EtlAgentMethods.Pipelines, EtlAgentMethods.Lineage),
                        ["notifications"] = new JsonArray(EtlAgentMethods.Status),
                        // the command list clients build their menus from (docs/lsp-extensions.md)
                        ["commands"] = LspConvert.ToNode(commands.Descriptors.ToList()),
                        // what the client sends and watches: the source kinds' documents, and test files for their lenses
                        ["sourceKinds"] = new JsonArray(server.Session.Analyzer.Kinds.All.Select(k => (JsonNode)new JsonObject
                        {
                            ["name"] = k.Name,
                            ["languageIds"] = new JsonArray(k.LanguageIds.Select(l => (JsonNode)l).ToArray()),
                            ["filePatterns"] = new JsonArray(k.FilePatterns.Select(p => (JsonNode)p).ToArray()),
                        }).ToArray()),
                        ["testFilePatterns"] = new JsonArray("**/*" + Core.Sandbox.TestFiles.TestFile.Extension),
                    },
                },
            },
        };
    }
}
