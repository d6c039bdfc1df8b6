using EtlAgent.Core.Lineage;
using EtlAgent.Core.Memory;

namespace EtlAgent.Core.Analysis;

/// <summary>The text of a transformation's file in its last green version (null: none), and which base that is.</summary>
public sealed record BaseVersion(string? Text, AnalysisBase Info);

/// <summary>
/// Where root-cause analysis gets the last green version of a failing transformation's file: a git
/// revision (--base), the memory (the file's text when all its cases last passed, used only when the
/// file changed since), or nowhere. Only the transformation's own file comes from here; every other
/// file is the workspace's. Answers are kept per transformation, so the memory is read once.
/// </summary>
public sealed class BaseVersions
{
    private readonly Func<TransformationAnalysis, BaseVersion> _lookup;
    private readonly Dictionary<string, BaseVersion> _known = new(StringComparer.OrdinalIgnoreCase);

    private BaseVersions(AnalysisBase source, Func<TransformationAnalysis, BaseVersion> lookup)
    {
        Source = source;
        _lookup = lookup;
    }

    /// <summary>The kind of base the analysis looks for ("git" with its revision, "memory", or "none" with the reason).</summary>
    public AnalysisBase Source { get; }

    public BaseVersion For(TransformationAnalysis t)
    {
        lock (_known)
        {
            if (!_known.TryGetValue(t.Transformation.Name, out var known)) _known[t.Transformation.Name] = known = _lookup(t);
            return known;
        }
    }

    public static BaseVersions None(string reason) => new(AnalysisBase.None(reason), _ => new BaseVersion(null, AnalysisBase.None(reason)));

    /// <param name="read">A workspace file's text at <paramref name="revision"/>, or null when it has none.</param>
    public static BaseVersions Git(string revision, Func<string, string?> read) => new(new AnalysisBase(AnalysisBase.GitKind) { Revision = revision }, t =>
        read(t.Transformation.File) is { } text
            ? new BaseVersion(text, new AnalysisBase(AnalysisBase.GitKind) { Revision = revision, File = t.Transformation.File })
            : new BaseVersion(null, AnalysisBase.None($"{t.Transformation.File} is not in git {revision}")));

    /// <summary>The memory's last green versions; a memory that cannot be read is no base (with the reason), never a failure.</summary>
    public static BaseVersions Memory(IMemoryStore store) => new(new AnalysisBase(AnalysisBase.MemoryKind), t =>
    {
        GreenVersion? green;
        try { green = store.LastGreen(t.Transformation.Name); }
        catch (MemoryStoreException e) { return new BaseVersion(null, AnalysisBase.None($"the memory could not be read: {e.Message}")); }
        if (green is null) return new BaseVersion(null, AnalysisBase.None($"no run remembered with all of {t.Transformation.Name}'s cases passing"));
        // the same text that passed: the failure comes from elsewhere (the tests, another file), a diff of this file says nothing
        if (green.Hash == GreenVersion.HashOf(t.Document.Text))
            return new BaseVersion(null, AnalysisBase.None($"{t.Transformation.File} is unchanged since the last green run {green.RunId}"));
        return new BaseVersion(green.Text, new AnalysisBase(AnalysisBase.MemoryKind) { RunId = green.RunId, Time = green.Time, File = green.File });
    });
}
