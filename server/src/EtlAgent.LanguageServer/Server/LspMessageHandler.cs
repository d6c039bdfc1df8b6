using System.Text.RegularExpressions;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// Content-Length framing over stdin/stdout (frames already checked by <see cref="FrameResynchronizer"/>).
/// A message whose body is not valid JSON-RPC is logged and skipped instead of closing the
/// connection: one bad message never kills the server. Every error response leaves through here
/// with a code and a plain message: no .NET type names or stack traces reach the client.
/// </summary>
public sealed partial class LspMessageHandler(Stream writer, Stream reader, IJsonRpcMessageFormatter formatter, Logger log,
    IReadOnlySet<string> knownMethods)
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

    protected override void Write(JsonRpcMessage content, CancellationToken cancellationToken)
    {
        if (content is JsonRpcError { Error: { } error }) Clean(error, knownMethods);
        base.Write(content, cancellationToken);
    }

    /// <summary>Rewrites an error for the client: the code kept (or corrected), a plain message, no data.</summary>
    public static void Clean(JsonRpcError.ErrorDetail error, IReadOnlySet<string> knownMethods)
    {
        // StreamJsonRpc puts the exception's type, stack trace and inner exceptions in Data.
        var exceptionType = (error.Data as CommonErrorData)?.TypeName;
        error.Data = null;
        if (exceptionType == typeof(System.Text.Json.JsonException).FullName)
        {
            // The parameters did not deserialize: the message names .NET types, so say it in JSON terms.
            var at = JsonPath().Match(error.Message ?? "") is { Success: true } p ? p.Groups["path"].Value : "$";
            error.Code = JsonRpcErrorCode.InvalidParams;
            error.Message = $"Invalid parameters: the value at {at} does not have the expected shape.";
        }
        if (error.Code is JsonRpcErrorCode.MethodNotFound or JsonRpcErrorCode.InvalidParams &&
            MethodName().Match(error.Message ?? "") is { Success: true } m)
        {
            var method = m.Groups["method"].Value;
            if (knownMethods.Contains(method))
            {
                error.Code = JsonRpcErrorCode.InvalidParams;
                error.Message = $"Invalid parameters for '{method}'.";
            }
            else
            {
                error.Code = JsonRpcErrorCode.MethodNotFound;
                error.Message = $"Unknown method '{method}'.";
            }
        }
        if (string.IsNullOrWhiteSpace(error.Message)) error.Message = "The request failed.";
    }

    // StreamJsonRpc's wording: "No method by the name 'name' is found." or, when no overload takes
    // the parameters, "Unable to find method 'name/arity' on {no object} for the following reasons: …".
    [GeneratedRegex(@"^(?:No method by the name|Unable to find method) '(?<method>.*?)(?:/\d+)?'", RegexOptions.Singleline)]
    private static partial Regex MethodName();

    [GeneratedRegex(@"Path: (?<path>\$[^ |]*)")]
    private static partial Regex JsonPath();

    private static bool IsMalformed(Exception e) =>
        e is System.Text.Json.JsonException or FormatException or BadRpcHeaderException or InvalidOperationException ||
        e.InnerException is System.Text.Json.JsonException;
}
