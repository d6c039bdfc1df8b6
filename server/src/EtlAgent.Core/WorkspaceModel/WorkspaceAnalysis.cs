using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.WorkspaceModel;

/// <summary>
/// An immutable snapshot of a workspace: documents, catalog, transformations with lineage,
/// pipelines, and findings (syntax errors, catalog problems and rule findings).
/// </summary>
public sealed class WorkspaceAnalysis
{
    internal WorkspaceAnalysis(
        IReadOnlyList<DocumentFacts> documents,
        SchemaCatalog catalog,
        IReadOnlyList<TransformationAnalysis> transformations,
        IReadOnlyList<Pipeline> pipelines,
        IReadOnlyList<Finding> findings,
        IReadOnlyList<RuleFailure> ruleFailures)
    {
        Documents = documents;
        Catalog = catalog;
        Transformations = transformations;
        Pipelines = pipelines;
        Findings = findings;
        RuleFailures = ruleFailures;
    }

    public IReadOnlyList<DocumentFacts> Documents { get; }
    public SchemaCatalog Catalog { get; }
    public IReadOnlyList<TransformationAnalysis> Transformations { get; }
    public IReadOnlyList<Pipeline> Pipelines { get; }
    /// <summary>All findings, sorted by file, position and rule.</summary>
    public IReadOnlyList<Finding> Findings { get; }
    public IReadOnlyList<RuleFailure> RuleFailures { get; }

    /// <summary>The workspace's tSQLt code: its test classes and each module's role (see <see cref="TsqltCode"/>).</summary>
    public TsqltTests Tsqlt { get; init; } = TsqltTests.None;

    /// <summary>
    /// "restated definitions: …" when names are defined in more than one file (deployment-script copies,
    /// migrations, several database projects), or null: each such name is analysed and tested with one
    /// definition (<see cref="Transformation.SupersededBy"/> marks the others).
    /// </summary>
    public string? RestatementSummary()
    {
        var restated = Transformations.Select(t => t.Transformation).Where(t => t.SupersededBy is not null).ToList();
        if (restated.Count == 0) return null;
        int names = restated.Select(t => t.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count();
        return $"restated definitions: {names} {(names == 1 ? "name is" : "names are")} defined in more than one file ({restated.Count} further " +
               $"{(restated.Count == 1 ? "definition" : "definitions")}: deployment-script copies, older migrations or other database projects); " +
               "each is analysed and tested once, with the definition a person edits (a source file before a migration, the latest migration, a deployment script last)";
    }

    /// <summary>Syntax errors and catalog problems: what `discover` reports as diagnostics.</summary>
    public IEnumerable<Finding> DiscoveryDiagnostics => Findings.Where(f => f.RuleId is SyntaxRuleId or CatalogRuleId);

    public const string SyntaxRuleId = "ETL0000";
    /// <summary>Duplicate definitions: reported by the duplicate-definition rule, listed with discovery diagnostics.</summary>
    public const string CatalogRuleId = "ETL0099";

    public TransformationAnalysis? FindTransformation(string name) =>
        Transformations.FirstOrDefault(t => string.Equals(t.Transformation.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The workspace's database projects (each one database), which <see cref="For"/> scopes by.</summary>
    public DatabaseProjects Projects { get; init; } = DatabaseProjects.None;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, WorkspaceAnalysis> _byProject = new(StringComparer.OrdinalIgnoreCase);
    private string? _project;
    /// <summary>The analysis a scoped one was made from: another project's scope is made from it, not from this one's catalog.</summary>
    private WorkspaceAnalysis? _root;

    /// <summary>
    /// The workspace as the database of <paramref name="transformation"/>'s project sees it: where two
    /// database projects define one name (two databases, each with its own staging.Orders), that project's
    /// table and module come first, so its tests build, run and check its own. This analysis when the
    /// transformation is unknown, outside every project, or its project restates nothing.
    /// </summary>
    public WorkspaceAnalysis For(string? transformation) =>
        transformation is null || Projects.IsEmpty ? this : _root?.For(transformation) ?? _byName.GetOrAdd(transformation, Scoped);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, WorkspaceAnalysis> _byName = new(StringComparer.OrdinalIgnoreCase);

    private WorkspaceAnalysis Scoped(string transformation)
    {
        var t = FindTransformation(transformation)
                ?? Transformations.FirstOrDefault(x => string.Equals(x.Transformation.File, transformation, StringComparison.OrdinalIgnoreCase));
        if (t is null || Projects.ProjectOf(t.Transformation.File) is not { } project || string.Equals(project, _project, StringComparison.OrdinalIgnoreCase)) return this;
        return _byProject.GetOrAdd(project, folder =>
        {
            var catalog = Catalog.ForProject(folder);
            // the project's own module first among those of one name (every reader takes a name's first), the groups where they were
            var group = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < Transformations.Count; i++) group.TryAdd(Transformations[i].Transformation.Name, i);
            var ordered = Transformations
                .Select((x, i) => (x, i))
                .OrderBy(p => group[p.x.Transformation.Name])
                .ThenBy(p => string.Equals(Projects.ProjectOf(p.x.Transformation.File), folder, StringComparison.OrdinalIgnoreCase) ? 0 : 1)
                .ThenBy(p => p.i)
                .Select(p => p.x).ToList();
            bool reordered = !ordered.SequenceEqual(Transformations);
            if (ReferenceEquals(catalog, Catalog) && !reordered) return this;
            return new WorkspaceAnalysis(Documents, catalog, ordered, Pipelines, Findings, RuleFailures) { Tsqlt = Tsqlt, Projects = Projects, _project = folder, _root = this };
        });
    }
}
