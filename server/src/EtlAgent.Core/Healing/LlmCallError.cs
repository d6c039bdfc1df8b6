using System.ClientModel;
using System.Net;
using System.Text.Json;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Healing;

/// <summary>
/// A failed model call in words a user can act on: the HTTP status and the provider's own message,
/// a timeout with the configured limit, or a reply that is not the provider's format; and whether
/// calling again in the same run is pointless (401, 403, 429).
/// </summary>
public static class LlmCallError
{
    public static (string Message, bool Final) Describe(Exception e, LlmSettings settings)
    {
        var root = e;
        for (var x = e; x is not null; x = x.InnerException)
            if (Status(x) is not null) { root = x; break; }
        if (Status(root) is { } status)
        {
            var detail = First(root.Message);
            var text = $"HTTP {status} {Reason(status)}" + (detail.Length > 0 ? $" ({detail})" : "");
            return (text, status is 401 or 403 or 429);
        }
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is TimeoutException || x is TaskCanceledException { InnerException: TimeoutException })
                return ($"no answer within llm.timeoutSeconds ({settings.TimeoutSeconds} s)", false);
            if (x is JsonException)
                return ($"the reply is not a valid {settings.Provider} response ({First(x.Message)})", false);
            if (x is HttpRequestException { StatusCode: null } h)
                return ($"could not reach {settings.Endpoint ?? "the provider"} ({First(h.Message)})", false);
        }
        if (e is OperationCanceledException) return ($"no answer within llm.timeoutSeconds ({settings.TimeoutSeconds} s)", false);
        return ($"{e.GetType().Name}: {First(e.Message)}", false);
    }

    /// <summary>The HTTP status an SDK's exception carries (OpenAI's ClientResultException, Anthropic's API exceptions, HttpClient's).</summary>
    private static int? Status(Exception e) => e switch
    {
        ClientResultException { Status: > 0 } c => c.Status,
        HttpRequestException { StatusCode: { } code } => (int)code,
        _ => e.GetType().GetProperty("StatusCode")?.GetValue(e) switch
        {
            HttpStatusCode code => (int)code,
            int code when code > 0 => code,
            _ => null,
        },
    };

    private static string Reason(int status) => status switch
    {
        401 => "unauthorised: check the key in the environment variable",
        403 => "forbidden: the key may not use this model",
        429 => "rate limited by the provider",
        >= 500 => "server error at the provider",
        _ => "refused",
    };

    /// <summary>The message's first line, cut short: SDK messages can carry whole bodies.</summary>
    private static string First(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
