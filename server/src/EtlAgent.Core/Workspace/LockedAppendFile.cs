using System.Text;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Workspace;

/// <summary>
/// <see cref="IAppendOnlyFile"/> on disk: opened exclusively (FileShare.None, which .NET backs with
/// an advisory lock other .NET processes honour) for the whole read-last-line-then-append, flushed
/// through to the device before the lock is released. A writer that finds the file locked waits
/// and retries for up to <see cref="Wait"/>.
/// </summary>
public sealed class LockedAppendFile(string path) : IAppendOnlyFile
{
    /// <summary>How long an append waits for another writer's lock before it fails.</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.FromSeconds(30);

    public string Name { get; } = Path.GetFullPath(path);

    public void Append(Func<string?, string> next)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Name)!);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int attempt = 0;
        while (true)
        {
            FileStream stream;
            try { stream = new FileStream(Name, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 4096, FileOptions.WriteThrough); }
            catch (IOException) when (watch.Elapsed < Wait)
            {
                // another writer holds the lock: back off a little, with jitter so two writers do not retry in step
                Thread.Sleep(Math.Min(50, 2 + attempt++) + Random.Shared.Next(5));
                continue;
            }
            using (stream)
            {
                var last = LastLine(stream);
                var line = next(last);
                if (line.Contains('\n')) throw new ArgumentException("an appended line must not contain a newline", nameof(next));
                stream.Seek(0, SeekOrigin.End);
                // a previous writer killed mid-line left no newline: start on a fresh line so the break is visible, not merged
                if (stream.Length > 0 && EndsWithoutNewline(stream)) stream.WriteByte((byte)'\n');
                var bytes = Encoding.UTF8.GetBytes(line + "\n");
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
                return;
            }
        }
    }

    public IReadOnlyList<string> ReadLines()
    {
        if (!File.Exists(Name)) return Array.Empty<string>();
        using var stream = new FileStream(Name, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = reader.ReadToEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    private static bool EndsWithoutNewline(FileStream stream)
    {
        stream.Seek(-1, SeekOrigin.End);
        bool without = stream.ReadByte() != '\n';
        stream.Seek(0, SeekOrigin.End);
        return without;
    }

    /// <summary>The last non-empty line, read backwards from the end in blocks (the trail can grow large).</summary>
    private static string? LastLine(FileStream stream)
    {
        long length = stream.Length;
        if (length == 0) return null;
        var collected = new List<byte>();
        long position = length;
        var block = new byte[4096];
        bool started = false;
        while (position > 0)
        {
            int size = (int)Math.Min(block.Length, position);
            position -= size;
            stream.Seek(position, SeekOrigin.Begin);
            stream.ReadExactly(block, 0, size);
            for (int i = size - 1; i >= 0; i--)
            {
                byte b = block[i];
                if (b == '\n' || b == '\r')
                {
                    if (started) { collected.Reverse(); return Encoding.UTF8.GetString(collected.ToArray()); }
                    continue;
                }
                started = true;
                collected.Add(b);
            }
        }
        collected.Reverse();
        return started ? Encoding.UTF8.GetString(collected.ToArray()) : null;
    }
}
