using EtlAgent.LanguageServer.Handlers.CodeAction;
using EtlAgent.LanguageServer.Handlers.CodeLens;
using EtlAgent.LanguageServer.Handlers.Commands;
using EtlAgent.LanguageServer.Handlers.Custom;
using EtlAgent.LanguageServer.Handlers.Lifecycle;
using EtlAgent.LanguageServer.Handlers.TextSync;
using EtlAgent.LanguageServer.Handlers.Workspace;
using System.IO.Pipelines;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// Wires JSON-RPC (StreamJsonRpc, Content-Length framing, System.Text.Json) to the handlers.
/// Incoming messages are dispatched one at a time in arrival order (NonConcurrentSynchronizationContext):
/// state-changing notifications are synchronous and so run strictly in order; read requests
/// yield at once and continue on the thread pool against an immutable snapshot.
/// $/cancelRequest cancels the CancellationToken a handler takes (StreamJsonRpc's default strategy).
/// </summary>
public sealed class LanguageServerHost
{
    public static async Task<int> RunAsync(Stream input, Stream output, CancellationToken cancellationToken = default)
    {
        var log = new Logger();
        var formatter = new SystemTextJsonFormatter();
        LspJson.Configure(formatter.JsonSerializerOptions);
        // The client's frames pass through the resynchroniser: a wrong Content-Length costs one message, not the connection.
        var frames = new Pipe();
        var pump = new FrameResynchronizer(input, frames.Writer, log).RunAsync(cancellationToken);
        var knownMethods = new HashSet<string>(StringComparer.Ordinal); // filled below, before listening
        var handler = new LspMessageHandler(output, frames.Reader.AsStream(), formatter, log, knownMethods);
        var rpc = new JsonRpc(handler)
        {
            SynchronizationContext = new NonConcurrentSynchronizationContext(sticky: false),
            ExceptionStrategy = ExceptionProcessing.CommonErrorData,
        };
        var outbox = new Outbox();
        log.Connect(rpc, outbox);
        using var server = new ServerContext(rpc, log, outbox);
        var commands = new ServerCommands(server);
        var codeLens = new CodeLensHandler(server, commands);

        var options = new JsonRpcTargetOptions { DisposeOnDisconnect = false, AllowNonPublicInvocation = false };
        var handlers = new object[]
        {
            new InitializeHandler(server, commands),
            new InitializedHandler(server),
            new ShutdownHandler(server),
            new ExitHandler(server),
            new SetTraceHandler(server),
            new DidOpenHandler(server),
            new DidChangeHandler(server),
            new DidSaveHandler(server),
            new DidCloseHandler(server),
            new DidChangeWatchedFilesHandler(server),
            new DidChangeConfigurationHandler(server),
            new ExecuteCommandHandler(server, commands),
            codeLens,
            new CodeActionHandler(server, new LensActions(server, codeLens.CodeLens)),
            new PipelinesHandler(server),
            new LineageHandler(server),
            new Handlers.Window.WorkDoneProgressCancelHandler(server),
        };
        foreach (var target in handlers)
        {
            rpc.AddLocalRpcTarget(target, options);
            foreach (var m in target.GetType().GetMethods())
                if (m.GetCustomAttributes(typeof(JsonRpcMethodAttribute), false) is [JsonRpcMethodAttribute { Name: { } name }, ..])
                    knownMethods.Add(name);
        }

        rpc.StartListening();
        log.Info($"etl-agent language server {typeof(LanguageServerHost).Assembly.GetName().Version?.ToString(3)} on stdio (pid {Environment.ProcessId})");

        var finished = await Task.WhenAny(server.Exit.Task, rpc.Completion.ContinueWith(_ => 1, TaskScheduler.Default)).ConfigureAwait(false);
        int code = await finished.ConfigureAwait(false);
        try { await outbox.FlushAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false); } catch (TimeoutException) { }
        outbox.Complete();
        log.Info($"exit {code}");
        rpc.Dispose();
        await frames.Reader.CompleteAsync().ConfigureAwait(false);
        try { await pump.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false); } catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException) { }
        return code;
    }
}
