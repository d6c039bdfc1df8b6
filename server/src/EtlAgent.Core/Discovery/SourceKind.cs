using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Discovery;

/// <summary>
/// A kind of source file the agent understands (T-SQL today; SSIS packages and C# loaders are
/// next): which files it owns, how one document of it is parsed and scanned into
/// <see cref="DocumentFacts"/>, and what the editor should send and watch for it. Discovery, the
/// editor's session and the language server ask the registry (<see cref="SourceKinds"/>) instead of
/// testing file extensions themselves.
/// </summary>
public abstract class SourceKind
{
    /// <summary>A name for people ("T-SQL").</summary>
    public abstract string Name { get; }

    /// <summary>The editor's language ids of such documents ("sql").</summary>
    public abstract IReadOnlyList<string> LanguageIds { get; }

    /// <summary>File name endings the kind owns (".sql"), compared case-insensitively.</summary>
    public abstract IReadOnlyList<string> Extensions { get; }

    /// <summary>Glob patterns of the kind's files, for file watchers and document selectors.</summary>
    public IReadOnlyList<string> FilePatterns => Extensions.Select(e => "**/*" + e).ToList();

    public bool Owns(string path) => Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses and scans one document. Never throws on bad input: problems are the facts' syntax errors.</summary>
    public abstract DocumentFacts Scan(string path, string text, WorkspaceSettings settings);

    /// <summary>
    /// Scans an edited document reusing its previous parse where that is provably equivalent (the
    /// previous tree may be changed in place: only for a caller that owns it); null when it cannot.
    /// </summary>
    public virtual DocumentFacts? Rescan(DocumentFacts previous, string text, WorkspaceSettings settings) => null;

    /// <summary>
    /// A cheap test whether the text could define catalog objects (tables, types, views…). False
    /// positives only cost memory when a large workspace is streamed; a text it rejects defines none.
    /// </summary>
    public abstract bool MayDefineCatalogObjects(string text);
}
