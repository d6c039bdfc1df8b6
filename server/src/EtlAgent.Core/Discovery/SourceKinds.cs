namespace EtlAgent.Core.Discovery;

/// <summary>The source kinds a workspace is read with, chosen per file by its name (the first kind that owns it).</summary>
public sealed class SourceKinds(IReadOnlyList<SourceKind> kinds)
{
    /// <summary>What this build reads: T-SQL.</summary>
    public static SourceKinds Default { get; } = new(new SourceKind[] { new TSqlSourceKind() });

    public IReadOnlyList<SourceKind> All { get; } = kinds;

    /// <summary>The kind that owns <paramref name="path"/>, or null when no kind reads such files.</summary>
    public SourceKind? For(string path) => All.FirstOrDefault(k => k.Owns(path));

    public bool Owns(string path) => For(path) is not null;

    /// <summary>Every kind's file patterns, for watchers and document selectors.</summary>
    public IReadOnlyList<string> FilePatterns => All.SelectMany(k => k.FilePatterns).Distinct(StringComparer.Ordinal).ToList();
}
