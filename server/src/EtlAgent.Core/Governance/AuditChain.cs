using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Governance;

/// <summary>
/// The audit trail's line format and its check. Each line is one JSON object:
/// <code>{"seq":N,"time":…,"actor":…,"action":…,"target":…,"reason":…,"details":{…},"prev":"&lt;hash of line N-1&gt;","hash":"&lt;hash of this line&gt;"}</code>
/// where hash is the SHA-256 (hex) of the line's UTF-8 text up to, not including, `,"hash":`, and
/// prev of the first line is <see cref="Genesis"/>. Editing a line breaks its hash; deleting or
/// moving one breaks the next line's prev and the sequence.
/// </summary>
public static class AuditChain
{
    public static readonly string Genesis = new('0', 64);

    private const string HashKey = ",\"hash\":\"";
    private static readonly int SuffixLength = HashKey.Length + 64 + 2;

    /// <summary>The line that follows <paramref name="previousLine"/> (null: the trail is empty).</summary>
    public static string Next(string? previousLine, AuditEntry entry)
    {
        var (seq, prev) = previousLine is null ? (0L, Genesis) : Head(previousLine);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("seq", seq + 1);
            w.WriteString("time", entry.Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            w.WriteString("actor", entry.Actor);
            w.WriteString("action", entry.Action);
            w.WriteString("target", entry.Target);
            w.WriteString("reason", entry.Reason);
            if (entry.Details is { Count: > 0 } details)
            {
                w.WriteStartObject("details");
                foreach (var (key, value) in details.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(key, value);
                w.WriteEndObject();
            }
            w.WriteString("prev", prev);
            w.WriteEndObject();
        }
        var body = Encoding.UTF8.GetString(buffer.ToArray());
        body = body[..^1]; // without the closing brace: the hash covers everything before it
        return $"{body}{HashKey}{Hash(body)}\"}}";
    }

    /// <summary>The sequence number and hash of a line, to chain the next one to it; a line that cannot be read chains by the hash of its raw text.</summary>
    private static (long Seq, string Hash) Head(string line)
    {
        if (Parse(line) is { } p) return (p.Seq, p.Hash);
        return (0, HashText(line));
    }

    /// <summary>Checks every line; stops at the first that breaks the chain.</summary>
    public static AuditVerification Verify(string file, IReadOnlyList<string> lines)
    {
        string expectedPrev = Genesis;
        long expectedSeq = 1;
        // where each sequence number is, to tell an entry that was moved from one that was deleted
        var lineOfSeq = new Dictionary<long, int>();
        for (int i = lines.Count - 1; i >= 0; i--)
            if (Parse(lines[i]) is { } q) lineOfSeq[q.Seq] = i + 1;
        for (int i = 0; i < lines.Count; i++)
        {
            int lineNumber = i + 1;
            AuditVerification Broken(string why) => new(file, i, i == 0 ? null : expectedPrev, lineNumber, why);
            var line = lines[i];
            if (line.Trim().Length == 0) return Broken("an empty line where an entry should be");
            var parsed = Parse(line);
            if (parsed is null) return Broken("not a complete entry (a JSON object ending in its hash): the line was edited or cut short");
            var p = parsed.Value;
            if (!string.Equals(Hash(line[..^SuffixLength]), p.Hash, StringComparison.Ordinal))
                return Broken($"its content does not match its hash: the entry (seq {p.Seq}, {p.Action} {p.Target}) was edited");
            if (!string.Equals(p.Prev, expectedPrev, StringComparison.Ordinal) || p.Seq != expectedSeq)
            {
                if (p.Seq > expectedSeq && lineOfSeq.TryGetValue(expectedSeq, out var later) && later > lineNumber)
                    return Broken($"entry {expectedSeq} belongs here but is at line {later} (this line holds entry {p.Seq}): entries were reordered");
                if (p.Seq > expectedSeq)
                    return Broken(expectedSeq == p.Seq - 1
                        ? $"entry {expectedSeq} is missing before this one (seq {p.Seq}): an entry was deleted"
                        : $"entries {expectedSeq} to {p.Seq - 1} are missing before this one (seq {p.Seq}): entries were deleted");
                if (p.Seq < expectedSeq)
                    return Broken($"entry {p.Seq} comes after entry {expectedSeq - 1}: entries were reordered");
                return Broken(i == 0
                    ? "the first entry does not start the chain: the entries before it were removed"
                    : $"it does not follow line {lineNumber - 1} (its previous hash differs): the line before it was replaced");
            }
            expectedPrev = p.Hash;
            expectedSeq = p.Seq + 1;
        }
        return new AuditVerification(file, lines.Count, lines.Count == 0 ? null : expectedPrev, null, null);
    }

    /// <summary>The entries of a trail, for readers (the report, the memory store's import); lines that cannot be read are skipped.</summary>
    public static IReadOnlyList<AuditEntry> Entries(IReadOnlyList<string> lines)
    {
        var entries = new List<AuditEntry>();
        foreach (var line in lines)
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                var r = doc.RootElement;
                Dictionary<string, string>? details = null;
                if (r.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object)
                    details = d.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
                entries.Add(new AuditEntry(DateTimeOffset.Parse(r.GetProperty("time").GetString()!, CultureInfo.InvariantCulture),
                    r.GetProperty("actor").GetString()!, r.GetProperty("action").GetString()!, r.GetProperty("target").GetString()!,
                    r.GetProperty("reason").GetString()!, details));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException) { }
        }
        return entries;
    }

    private readonly record struct Line(long Seq, string Action, string Target, string Prev, string Hash);

    private static Line? Parse(string line)
    {
        if (line.Length <= SuffixLength || !line.EndsWith("\"}", StringComparison.Ordinal) ||
            string.CompareOrdinal(line, line.Length - SuffixLength, HashKey, 0, HashKey.Length) != 0) return null;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object) return null;
            return new Line(r.GetProperty("seq").GetInt64(), r.GetProperty("action").GetString() ?? "", r.GetProperty("target").GetString() ?? "",
                r.GetProperty("prev").GetString() ?? "", r.GetProperty("hash").GetString() ?? "");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static string Hash(string body) => HashText(body);

    private static string HashText(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
}
