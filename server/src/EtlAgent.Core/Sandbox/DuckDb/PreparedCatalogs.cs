using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// The prepared catalogs of one engine (the composition root owns it, like the sandbox pool): the
/// sandbox factories of every procedure of a run, and of every mutant of a procedure, share the
/// DDL already translated, because they share the catalog and the view and function definitions
/// (a mutant re-parses only its own file; see MutantWorkspace). A mutant of a view or a function is
/// another catalog to prepare. A few are kept, the most recently used first.
/// </summary>
public sealed class PreparedCatalogs
{
    /// <summary>Catalogs kept: the run's own plus the last mutants of views or functions.</summary>
    private const int Kept = 4;

    private readonly List<(Key Key, PreparedCatalog Prepared)> _kept = new();
    private readonly object _gate = new();

    /// <summary>Catalogs prepared so far (tests check one is shared).</summary>
    public int Prepared { get; private set; }

    internal PreparedCatalog For(WorkspaceAnalysis workspace, bool foreignKeys, IReadOnlyList<TransformationAnalysis> transformations)
    {
        var key = new Key(workspace.Catalog, foreignKeys, Definitions(transformations));
        lock (_gate)
        {
            for (int i = 0; i < _kept.Count; i++)
            {
                if (!_kept[i].Key.Matches(key)) continue;
                var hit = _kept[i];
                _kept.RemoveAt(i);
                _kept.Insert(0, hit);
                return hit.Prepared;
            }
            var prepared = new PreparedCatalog(workspace, foreignKeys, transformations);
            Prepared++;
            _kept.Insert(0, (key, prepared));
            if (_kept.Count > Kept) _kept.RemoveAt(_kept.Count - 1);
            return prepared;
        }
    }

    /// <summary>What the DDL is translated from besides the catalog: view and function definitions.</summary>
    private static object[] Definitions(IReadOnlyList<TransformationAnalysis> transformations) =>
        transformations.Where(t => t.Transformation.Kind is TransformationKind.View or TransformationKind.Function)
            .Select(t => (object?)t.Syntax.Definition ?? t).ToArray();

    /// <summary>The same catalog object and the same definition objects (an edit or a mutant makes new ones).</summary>
    private sealed record Key(SchemaCatalog Catalog, bool ForeignKeys, object[] Definitions)
    {
        public bool Matches(Key other) =>
            ReferenceEquals(Catalog, other.Catalog) && ForeignKeys == other.ForeignKeys && Definitions.Length == other.Definitions.Length
            && Definitions.Zip(other.Definitions).All(p => ReferenceEquals(p.First, p.Second));
    }
}
