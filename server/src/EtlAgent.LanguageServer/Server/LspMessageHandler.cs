using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// Content-Length framing over stdin/stdout. A message whose body is not valid JSON-RPC is
/// logged and skipped instead of closing the connection: one bad message never kills the server.
/// </summary>
public sealed class LspMessageHandler(Stream writer, Stream reader, IJsonRpcMessageFormatter formatter, Logger log)
    : HeaderDelimitedMessageHandler(writer, reader, formatter)
{
    protected override async ValueTask<JsonRpcMessage?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await base.ReadCoreAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException && e is not EndOfStreamException && IsMalformed(e))
            {
                log.Error($"skipped a malformed message: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    private static bool IsMalformed(Exception e) =>
        e is System.Text.Json.JsonException or FormatException or BadRpcHeaderException or InvalidOperationException ||
        e.InnerException is System.Text.Json.JsonException;
}
