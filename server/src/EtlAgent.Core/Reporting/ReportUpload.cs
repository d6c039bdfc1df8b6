using System.Text;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Reporting;

/// <summary>
/// `run --upload s3://bucket/prefix`: the run's report files go to the bucket under the prefix,
/// keeping their names below `.etl-agent/reports/` (so index.html opens with its neighbours).
/// </summary>
public sealed record ReportUpload(string Bucket, string Prefix)
{
    public const string ReportDirectory = ".etl-agent/reports/";

    /// <exception cref="FormatException">Not `s3://bucket[/prefix]` with a valid bucket name.</exception>
    public static ReportUpload Parse(string destination)
    {
        const string scheme = "s3://";
        if (!destination.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            throw new FormatException($"--upload takes s3://bucket/prefix; got '{destination}'.");
        var rest = destination[scheme.Length..];
        int slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.') ||
            !char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1]))
            throw new FormatException($"--upload: '{bucket}' is not an S3 bucket name (3 to 63 lower-case letters, digits, '-' and '.').");
        return new ReportUpload(bucket, prefix);
    }

    /// <summary>The object key of a workspace-relative report path.</summary>
    public string Key(string report)
    {
        var name = report.Replace('\\', '/');
        if (name.StartsWith(ReportDirectory, StringComparison.Ordinal)) name = name[ReportDirectory.Length..];
        return Prefix.Length == 0 ? name : $"{Prefix}/{name}";
    }

    public string Uri(string report) => $"s3://{Bucket}/{Key(report)}";

    public static string ContentType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".html" => "text/html; charset=utf-8",
        ".xml" => "application/xml",
        ".sarif" or ".json" => "application/json",
        _ => "text/plain; charset=utf-8",
    };

    /// <summary>Sends every report, in order; returns their URIs. <paramref name="uploaded"/> is told each one once it is stored.</summary>
    public async Task<IReadOnlyList<string>> SendAsync(IFileSource files, IReadOnlyList<string> reports, IObjectStore store,
        Action<string, string>? uploaded = null, CancellationToken cancellationToken = default)
    {
        var uris = new List<string>();
        foreach (var report in reports)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var bytes = Encoding.UTF8.GetBytes(files.ReadAllText(report));
            await store.PutAsync(Bucket, Key(report), bytes, ContentType(report), cancellationToken).ConfigureAwait(false);
            uris.Add(Uri(report));
            uploaded?.Invoke(report, Uri(report));
        }
        return uris;
    }
}
