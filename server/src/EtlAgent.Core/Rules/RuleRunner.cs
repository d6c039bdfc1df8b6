using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Rules;

/// <summary>A rule that threw: reported to the caller's log, never to the user as a finding.</summary>
public sealed record RuleFailure(string RuleId, string File, Exception Exception);

/// <summary>Runs rules over one document. One failing rule does not stop the others.</summary>
public sealed class RuleRunner
{
    private readonly IReadOnlyList<(Rule Rule, Severity Severity)> _rules;
    private readonly int _compatibilityLevel;
    private readonly DatabaseProjects _projects;

    public RuleRunner(IEnumerable<Rule>? rules = null, IReadOnlyDictionary<string, string>? severityOverrides = null,
        int compatibilityLevel = SqlParser.DefaultCompatibilityLevel, DatabaseProjects? projects = null)
    {
        _compatibilityLevel = compatibilityLevel;
        _projects = projects ?? DatabaseProjects.None;
        var list = new List<(Rule, Severity)>();
        foreach (var rule in rules ?? RuleRegistry.All)
        {
            var severity = rule.Descriptor.DefaultSeverity;
            if (severityOverrides is not null && severityOverrides.TryGetValue(rule.Id, out var text))
            {
                if (string.Equals(text, "off", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "none", StringComparison.OrdinalIgnoreCase)) continue;
                if (Enum.TryParse<Severity>(text, ignoreCase: true, out var s)) severity = s;
                else if (string.Equals(text, "info", StringComparison.OrdinalIgnoreCase)) severity = Severity.Information;
            }
            list.Add((rule, severity));
        }
        _rules = list;
    }

    public IReadOnlyList<Rule> Rules => _rules.Select(r => r.Rule).ToList();

    public IReadOnlyList<Finding> Run(SqlDocument document, SchemaCatalog catalog, IReadOnlyList<TransformationAnalysis> transformations,
        List<RuleFailure>? failures = null, SyntaxIndex? index = null, CancellationToken cancellationToken = default) =>
        Run(document, catalog, transformations, _ => true, failures, index, cancellationToken);

    /// <summary>Runs the configured rules <paramref name="only"/> selects (a rule that reads only the catalog can run on a document without its tree).</summary>
    public IReadOnlyList<Finding> Run(SqlDocument document, SchemaCatalog catalog, IReadOnlyList<TransformationAnalysis> transformations,
        Func<Rule, bool> only, List<RuleFailure>? failures = null, SyntaxIndex? index = null, CancellationToken cancellationToken = default)
    {
        var findings = new List<Finding>();
        var context = new RuleContext(document, index ?? new SyntaxIndex(document.Tree), catalog, transformations, findings)
        {
            CompatibilityLevel = _compatibilityLevel,
            Projects = _projects,
        };
        foreach (var (rule, severity) in _rules)
        {
            if (!only(rule)) continue;
            cancellationToken.ThrowIfCancellationRequested();
            int before = findings.Count;
            try
            {
                context.Begin(rule, severity);
                rule.Check(context);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                findings.RemoveRange(before, findings.Count - before);
                failures?.Add(new RuleFailure(rule.Id, document.Path, e));
            }
        }
        // tSQLt's own procedures and views (installed into a test project) are the framework's code, not the warehouse's
        foreach (var t in transformations)
            if (Discovery.TsqltCode.IsFramework(t.Transformation))
            {
                var range = t.Transformation.BodyRange;
                findings.RemoveAll(f => range.Contains(f.Location.Range.StartOffset) || f.Location.Range.StartOffset == range.EndOffset);
            }
        findings.Sort(FindingOrder.Instance);
        return findings;
    }
}

/// <summary>Stable report order: file, position, rule id.</summary>
public sealed class FindingOrder : IComparer<Finding>
{
    public static readonly FindingOrder Instance = new();

    public int Compare(Finding? x, Finding? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int c = string.CompareOrdinal(x.Location.File, y.Location.File);
        if (c != 0) return c;
        c = x.Location.Range.StartOffset.CompareTo(y.Location.Range.StartOffset);
        if (c != 0) return c;
        return string.CompareOrdinal(x.RuleId, y.RuleId);
    }
}
