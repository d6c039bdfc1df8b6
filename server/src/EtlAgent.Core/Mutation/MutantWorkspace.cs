using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Mutation;

/// <summary>
/// The workspace with one file's text replaced by a mutant's: only that document is parsed and
/// resolved again (the catalog and every other transformation are reused; no rules run).
/// </summary>
public static class MutantWorkspace
{
    /// <returns>The mutated analysis, or null when the mutated text does not parse.</returns>
    public static WorkspaceAnalysis? Create(WorkspaceAnalysis original, WorkspaceAnalyzer analyzer, string file, string mutatedText)
    {
        var facts = analyzer.ParseAndScan(file, mutatedText);
        if (facts.Document.Errors.Count > 0 || facts.Document.Tree is null) return null;
        var documents = original.Documents.Select(d => d.Document.Path == file ? facts : d).ToList();
        var perDocument = new List<DocumentAnalysis>();
        foreach (var group in original.Transformations.Where(t => t.Transformation.File != file).GroupBy(t => t.Transformation.File))
            perDocument.Add(new DocumentAnalysis(group.ToList(), Array.Empty<Model.Finding>(), Array.Empty<Rules.RuleFailure>()));
        var mutated = new List<Lineage.TransformationAnalysis>();
        foreach (var t in facts.Transformations)
        {
            try { mutated.Add(WorkspaceAnalyzer.Resolve(facts, t, original.Catalog)); }
            catch (Exception e) when (e is not OperationCanceledException) { return null; }
        }
        perDocument.Add(new DocumentAnalysis(mutated, Array.Empty<Model.Finding>(), Array.Empty<Rules.RuleFailure>()));
        return WorkspaceAnalyzer.Compose(documents, original.Catalog, perDocument);
    }
}
