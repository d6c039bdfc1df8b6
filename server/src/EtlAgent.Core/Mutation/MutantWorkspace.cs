using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Mutation;

/// <summary>
/// The workspace with one file's text replaced by a mutant's: only that document is parsed and
/// resolved again (the catalog and every other transformation are reused; no rules run).
/// </summary>
public static class MutantWorkspace
{
    /// <returns>The mutated analysis, or null when the mutated text does not parse or a transformation in it cannot be resolved.</returns>
    public static WorkspaceAnalysis? Create(WorkspaceAnalysis original, WorkspaceAnalyzer analyzer, string file, string mutatedText)
    {
        var mutated = analyzer.Patch(original, new Dictionary<string, string?> { [file] = mutatedText }, runRules: false, rebuildCatalog: false);
        var doc = mutated.Documents.FirstOrDefault(d => d.Document.Path == file);
        if (doc is null || doc.Document.Errors.Count > 0 || doc.Document.Tree is null) return null;
        return mutated.RuleFailures.Any(f => f.File == file) ? null : mutated;
    }
}
