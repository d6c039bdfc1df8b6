using System.Text.RegularExpressions;

namespace EtlAgent.Core.Governance;

/// <summary>
/// Takes secrets out of text before it reaches the audit trail: connection strings as a whole
/// (they carry server, login and password together), any password, key or token written as
/// `name=value`, AWS access key ids, bearer tokens, and the exact values the host knows to be
/// secret (the configured connection strings). What remains still says what happened.
/// </summary>
public sealed partial class SecretRedactor(IEnumerable<string>? knownSecrets = null)
{
    public const string Redacted = "***";
    public const string RedactedConnectionString = "[connection string redacted]";

    private readonly IReadOnlyList<string> _known = (knownSecrets ?? Array.Empty<string>())
        .Where(s => !string.IsNullOrWhiteSpace(s) && s.Length >= 6).Distinct(StringComparer.Ordinal)
        .OrderByDescending(s => s.Length).ToList();

    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        foreach (var secret in _known) text = text.Replace(secret, RedactedConnectionString, StringComparison.Ordinal);
        text = ConnectionString().Replace(text, RedactedConnectionString);
        text = Bearer().Replace(text, m => $"{m.Groups[1].Value}{Redacted}");
        text = SecretPair().Replace(text, m => $"{m.Groups["key"].Value}{m.Groups["eq"].Value}{Redacted}");
        text = AwsKeyId().Replace(text, Redacted);
        return text;
    }

    public IReadOnlyDictionary<string, string>? Redact(IReadOnlyDictionary<string, string>? details) =>
        details?.ToDictionary(kv => kv.Key, kv => Redact(kv.Value), StringComparer.Ordinal);

    // Two or more `key=value;` pairs of which one names a server: an ADO.NET/ODBC connection string.
    // A value runs to the next ';' (it may hold spaces); the last one ends at white space, so the sentence around it stays.
    [GeneratedRegex(@"(?ix)(?:(?:[a-z][a-z_ ]{0,30})\s*=\s*(?:""[^""]*""|'[^']*'|\{[^}]*\}|[^;""'\r\n]*(?=;)|[^;""'\s]*)\s*;\s*)*
        (?:server|data\ source|address|addr|network\ address|host|endpoint|accountendpoint)\s*=\s*(?:""[^""]*""|'[^']*'|\{[^}]*\}|[^;""'\r\n]*(?=;)|[^;""'\s]*)
        (?:\s*;\s*(?:[a-z][a-z_ ]{0,30})\s*=\s*(?:""[^""]*""|'[^']*'|\{[^}]*\}|[^;""'\r\n]*(?=;)|[^;""'\s]*))+;?")]
    private static partial Regex ConnectionString();

    [GeneratedRegex(@"(?i)(?<key>\b(?:password|pwd|passwd|secret|secretkey|secret_key|client_secret|accountkey|sharedaccesskey|access_key|accesskey|aws_secret_access_key|api_key|apikey|token|auth_token|authorization)\b)(?<eq>\s*[=:]\s*)(?:""[^""]*""|'[^']*'|\{[^}]*\}|[^;,\s""']+)")]
    private static partial Regex SecretPair();

    [GeneratedRegex(@"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")]
    private static partial Regex AwsKeyId();

    [GeneratedRegex(@"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*")]
    private static partial Regex Bearer();
}
