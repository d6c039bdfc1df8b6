using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;
using FileSystemWatcher = EtlAgent.LanguageServer.Protocol.FileSystemWatcher;

namespace EtlAgent.LanguageServer.Handlers.Lifecycle;

/// <summary>initialized: asks the client to watch workspace files, then starts indexing.</summary>
public sealed class InitializedHandler(ServerContext server)
{
    [JsonRpcMethod("initialized", UseSingleObjectParameterDeserialization = true)]
    public void Initialized(InitializedParams _)
    {
        server.EnsureInitialized();
        if (server.ClientCapabilities.Workspace?.DidChangeWatchedFiles?.DynamicRegistration == true)
        {
            var registration = new RegistrationParams
            {
                Registrations =
                {
                    new Registration
                    {
                        Id = "etlAgent.watchedFiles",
                        Method = "workspace/didChangeWatchedFiles",
                        RegisterOptions = LspConvert.ToNode(new DidChangeWatchedFilesRegistrationOptions
                        {
                            // the source kinds' files, then what configures the workspace and its tests
                            Watchers = server.Session.Analyzer.Kinds.FilePatterns
                                .Concat(new[] { "**/" + WorkspaceSettings.ManifestFile, "**/" + WorkspaceSettings.IgnoreFile, "**/*" + TestFile.Extension })
                                .Select(p => new FileSystemWatcher { GlobPattern = p }).ToList(),
                        }),
                    },
                },
            };
            server.Outbox.Post(async () =>
            {
                try { await server.Rpc.InvokeWithParameterObjectAsync<object?>("client/registerCapability", registration).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); }
                catch (Exception e) { server.Log.Warn($"client did not register file watchers: {e.Message}"); }
            });
        }
        server.StartIndexing();
    }
}
