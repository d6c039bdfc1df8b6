using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Syntax;

/// <summary>
/// Every node of a tree grouped by type, built in one walk so that many rules can each look at
/// the few node types they care about without walking the tree again.
/// </summary>
public sealed class SyntaxIndex
{
    private readonly Dictionary<Type, List<TSqlFragment>> _byType = new();
    private readonly Dictionary<Type, object> _cache = new();

    public SyntaxIndex(TSqlFragment? root)
    {
        root?.Accept(new Collector(_byType));
    }

    /// <summary>All nodes of type <typeparamref name="T"/> (subclasses included), in document order.</summary>
    public IReadOnlyList<T> OfType<T>() where T : TSqlFragment
    {
        lock (_cache)
        {
            if (_cache.TryGetValue(typeof(T), out var cached)) return (IReadOnlyList<T>)cached;
            var result = new List<T>();
            foreach (var (type, nodes) in _byType)
                if (typeof(T).IsAssignableFrom(type))
                    foreach (var n in nodes) result.Add((T)n);
            if (result.Count > 1) result.Sort((a, b) => a.StartOffset.CompareTo(b.StartOffset));
            _cache[typeof(T)] = result;
            return result;
        }
    }

    private sealed class Collector(Dictionary<Type, List<TSqlFragment>> byType) : TSqlFragmentVisitor
    {
        public override void Visit(TSqlFragment node)
        {
            var type = node.GetType();
            if (!byType.TryGetValue(type, out var list)) byType[type] = list = new List<TSqlFragment>();
            list.Add(node);
        }
    }
}
