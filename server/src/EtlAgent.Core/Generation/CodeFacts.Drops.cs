using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Generation;

/// <summary>Tables the code drops (<see cref="CodeFacts"/>).</summary>
public sealed partial class CodeFacts
{
    /// <summary>
    /// Permanent tables a DROP TABLE of the code names (a staging table dropped once it is loaded): whether
    /// each still exists after the call is part of what a case expects.
    /// </summary>
    public HashSet<QualifiedName> Dropped { get; } = new();

    private static void CollectDrops(CodeFacts facts, IEnumerable<TSqlFragment> bodies, Func<QualifiedName, QualifiedName> resolve)
    {
        var finder = new DropFinder();
        foreach (var b in bodies) b.Accept(finder);
        foreach (var name in finder.Names) facts.Dropped.Add(resolve(name));
    }

    private sealed class DropFinder : TSqlFragmentVisitor
    {
        public List<QualifiedName> Names { get; } = new();

        public override void Visit(DropTableStatement node)
        {
            foreach (var o in node.Objects)
            {
                if (o.BaseIdentifier?.Value is not { } table || table.StartsWith('#')) continue;
                Names.Add(new QualifiedName(o.DatabaseIdentifier?.Value, o.SchemaIdentifier?.Value, table));
            }
        }
    }
}
