using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtlAgent.LanguageServer.Server;

/// <summary>The one JSON configuration of the server: camelCase names, nulls omitted, unknown members ignored.</summary>
public static class LspJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions());

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        o.DictionaryKeyPolicy = null; // URIs as keys stay as they are
        o.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        o.PropertyNameCaseInsensitive = true;
        o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return o;
    }
}
