using EtlAgent.Core.Agent;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>What every sandbox of one workspace shares, computed once: catalog, procedures and
/// functions by name (with syntax), and the schema script.</summary>
internal sealed class SandboxModel
{
    public SandboxModel(WorkspaceAnalysis workspace, bool foreignKeys)
    {
        Workspace = workspace;
        Catalog = workspace.Catalog;
        foreach (var t in workspace.Transformations)
        {
            if (!t.HasSyntax) throw new InvalidOperationException("The sandbox needs an analysis made with RetainSyntax = true.");
            if (t.Transformation.Kind == TransformationKind.Procedure && t.Syntax.Definition is ProcedureStatementBody)
                Procedures[QualifiedName.Parse(t.Transformation.Name)] = t;
            else if (t.Transformation.Kind == TransformationKind.Function && t.Syntax.Definition is FunctionStatementBody)
                Functions[QualifiedName.Parse(t.Transformation.Name)] = t;
        }
        var builder = new SchemaBuilder(workspace, foreignKeys);
        SchemaScript = builder.Build();
        BaseScript = builder.BaseScript;
        Objects = builder.Objects;
        Skipped = builder.Skipped;
        Problems = builder.Problems;
    }

    public WorkspaceAnalysis Workspace { get; }
    public SchemaCatalog Catalog { get; }
    public Dictionary<QualifiedName, TransformationAnalysis> Procedures { get; } = new();
    public Dictionary<QualifiedName, TransformationAnalysis> Functions { get; } = new();
    public string SchemaScript { get; }
    public string BaseScript { get; }
    public IReadOnlyDictionary<QualifiedName, SchemaObject> Objects { get; }
    public IReadOnlyList<string> Skipped { get; }
    public IReadOnlyDictionary<QualifiedName, Exception> Problems { get; }
}
