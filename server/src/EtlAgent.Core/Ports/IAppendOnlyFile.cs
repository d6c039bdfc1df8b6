namespace EtlAgent.Core.Ports;

/// <summary>
/// A text file that only grows by whole lines, shared by processes: the audit trail. An append
/// holds the file's exclusive lock from reading the last line to the durable write of the new one,
/// so two processes appending at once each see the other's line and the chain they build stays linear.
/// </summary>
public interface IAppendOnlyFile
{
    /// <summary>
    /// Under the exclusive lock: reads the file's last line (null when the file is empty or missing),
    /// asks <paramref name="next"/> for the line to add, appends it and a newline, and flushes to disk.
    /// </summary>
    /// <exception cref="IOException">The file cannot be locked or written within the adapter's wait.</exception>
    void Append(Func<string?, string> next);

    /// <summary>Every line, in order (empty when the file does not exist).</summary>
    IReadOnlyList<string> ReadLines();

    /// <summary>Where the file is, for messages.</summary>
    string Name { get; }
}

/// <summary>An append-only file in memory: for tests of the chain and hosts without a disk.</summary>
public sealed class MemoryAppendOnlyFile(string name = "audit.jsonl") : IAppendOnlyFile
{
    private readonly List<string> _lines = new();
    private readonly object _gate = new();

    public string Name { get; } = name;

    public void Append(Func<string?, string> next)
    {
        lock (_gate) _lines.Add(next(_lines.Count == 0 ? null : _lines[^1]));
    }

    public IReadOnlyList<string> ReadLines()
    {
        lock (_gate) return _lines.ToList();
    }

    /// <summary>Replaces the lines (tests that tamper with a trail).</summary>
    public void Replace(IEnumerable<string> lines)
    {
        lock (_gate) { _lines.Clear(); _lines.AddRange(lines); }
    }
}
