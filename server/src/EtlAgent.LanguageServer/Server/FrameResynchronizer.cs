using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// Reads the client's Content-Length frames and passes on only well-formed ones (a header with a
/// length, then exactly one JSON value of that length) to StreamJsonRpc, which cannot recover once
/// a frame's length is wrong: it would read the next message's header as body, and every header
/// after it as garbage. Here a frame whose length does not match its body is logged and the reader
/// resynchronises on the next "Content-Length:" header, so the server keeps answering.
/// </summary>
public sealed class FrameResynchronizer(Stream input, PipeWriter output, Logger log)
{
    private static readonly byte[] HeaderName = "Content-Length:"u8.ToArray();
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    /// <summary>Headers longer than this are not headers: resynchronise.</summary>
    private const int MaxHeaderBytes = 16 * 1024;

    private byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;
    private bool _eof;

    /// <summary>Pumps frames until the input ends, then completes <see cref="PipeWriter"/> (the connection closes).</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            while (await NextFrameAsync(cancellationToken).ConfigureAwait(false) is { } body)
            {
                var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
                await output.WriteAsync(header, cancellationToken).ConfigureAwait(false);
                await output.WriteAsync(body, cancellationToken).ConfigureAwait(false);
                var flushed = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted) break;
            }
            await output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await output.CompleteAsync(e).ConfigureAwait(false);
        }
    }

    private async Task<byte[]?> NextFrameAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // Header block.
            int headerEnd;
            while ((headerEnd = IndexOf(HeaderEnd, _start)) < 0)
            {
                if (_end - _start > MaxHeaderBytes) { Resynchronise("a header block without an end"); continue; }
                if (!await FillAsync(cancellationToken).ConfigureAwait(false)) return null;
            }
            var header = Encoding.ASCII.GetString(_buffer, _start, headerEnd - _start);
            // Offsets from _start: reading more may move the buffer's contents.
            int body = headerEnd + HeaderEnd.Length - _start;
            if (ContentLength(header) is not { } length)
            {
                Resynchronise($"a header without a valid Content-Length ({Shorten(header)})");
                continue;
            }

            // Body: exactly `length` bytes holding one JSON value. Otherwise the length was wrong; a
            // complete header block after the body's start shows where the body really ended (JSON
            // cannot hold a header's raw line breaks), and the body is delivered if it is one JSON value.
            int scanned = body;
            while (true)
            {
                int bodyStart = _start + body;
                bool complete = _end - bodyStart >= length;
                if (complete && JsonValueLength(bodyStart, bodyStart + length) == length)
                {
                    var value = _buffer.AsSpan(bodyStart, length).ToArray();
                    _start = bodyStart + length;
                    return value;
                }
                // The first valid header block not searched before; a header still arriving is searched again.
                int next = -1, end = -1, pending = -1;
                for (int at = IndexOf(HeaderName, Math.Max(bodyStart, _start + scanned)); at >= 0; at = IndexOf(HeaderName, at + 1))
                {
                    int e = IndexOf(HeaderEnd, at);
                    if (e < 0) { pending = at; break; }
                    if (ContentLength(Encoding.ASCII.GetString(_buffer, at, e - at)) is not null) { next = at; end = e; break; }
                }
                scanned = pending >= 0 ? pending - _start : Math.Max(body, _end - _start - HeaderName.Length + 1);
                if (next >= 0)
                {
                    _start = next;
                    if (JsonValueLength(bodyStart, next) is { } valueLength)
                    {
                        log.Error($"a message's Content-Length ({length}) does not match its body ({valueLength} bytes); resynchronised on the next header");
                        return _buffer.AsSpan(bodyStart, valueLength).ToArray();
                    }
                    log.Error($"skipped a malformed message: its body is not one JSON value; resynchronised on the next header");
                    break;
                }
                if (complete)
                {
                    // No header after it yet: skip the declared frame, then up to the next header.
                    log.Error($"skipped a malformed message: its body is not one JSON value of its Content-Length ({length}); resynchronised on the next header");
                    _start = bodyStart + length;
                    Resynchronise(null, _start);
                    break;
                }
                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    log.Error($"the input ended inside a message ({_end - bodyStart} of {length} bytes)");
                    return null;
                }
            }
        }
    }

    /// <summary>Drops input up to the next "Content-Length:" at or after <paramref name="from"/> (default: after the current position).</summary>
    private void Resynchronise(string? why, int? from = null)
    {
        if (why is not null) log.Error($"skipped malformed input: {why}; resynchronised on the next header");
        int next = IndexOf(HeaderName, from ?? _start + 1);
        // Not in the buffer yet: keep only a tail that could be the start of a header name.
        _start = next >= 0 ? next : Math.Max(_start, _end - HeaderName.Length + 1);
    }

    private static int? ContentLength(string header)
    {
        int? length = null;
        foreach (var line in header.Split("\r\n"))
        {
            int colon = line.IndexOf(':');
            if (colon < 0) return null; // not a header line: this is not a header block
            if (!line[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) continue;
            if (!int.TryParse(line[(colon + 1)..].Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n <= 0)
                return null;
            length = n;
        }
        return length;
    }

    /// <summary>
    /// The length of the JSON value at <paramref name="from"/> when exactly one value (and only
    /// whitespace after it) fills [from, to); null otherwise.
    /// </summary>
    private int? JsonValueLength(int from, int to)
    {
        try
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(from, to - from), isFinalBlock: true, state: default);
            if (!reader.Read() || !reader.TrySkip()) return null;
            int length = (int)reader.BytesConsumed;
            for (int i = from + length; i < to; i++)
                if (_buffer[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return null;
            return length;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private int IndexOf(byte[] pattern, int from) =>
        from >= _end ? -1 : _buffer.AsSpan(from, _end - from).IndexOf(pattern) is var i and >= 0 ? from + i : -1;

    /// <summary>Reads more input; false at the end of the input.</summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_eof) return false;
        if (_start > 0 && _start == _end) _start = _end = 0;
        if (_end == _buffer.Length)
        {
            if (_start > _buffer.Length / 2)
            {
                Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        int read = await input.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0) { _eof = true; return false; }
        _end += read;
        return true;
    }

    private static string Shorten(string s) => s.Length <= 60 ? s.ReplaceLineEndings(" ") : s[..60].ReplaceLineEndings(" ") + "…";
}
