using System.Security.Cryptography;
using System.Text;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Lineage;

/// <summary>
/// Links transformations into pipelines: an edge from A to B when B reads a table A writes, or
/// when A executes B. A pipeline is a connected group, listed in dependency order (callers
/// before callees, writers before readers); its id is derived from its members' names, so it
/// stays the same from run to run while the group does.
/// </summary>
public static class PipelineBuilder
{
    public static IReadOnlyList<Pipeline> Build(IReadOnlyList<Transformation> transformations)
    {
        var byName = new Dictionary<string, Transformation>(StringComparer.OrdinalIgnoreCase);
        foreach (var t in transformations) byName.TryAdd(t.Name, t);
        var edges = Edges(transformations, byName);

        // Connected components over the undirected graph.
        // Names may repeat (the same procedure or view defined in two files): one node per name.
        var neighbours = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var t in transformations) neighbours.TryAdd(t.Name, new HashSet<string>(StringComparer.OrdinalIgnoreCase));
        foreach (var (from, to) in edges)
        {
            neighbours[from].Add(to);
            neighbours[to].Add(from);
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pipelines = new List<Pipeline>();
        foreach (var t in transformations.OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase))
        {
            if (!seen.Add(t.Name)) continue;
            var members = new List<string>();
            var queue = new Queue<string>();
            queue.Enqueue(t.Name);
            while (queue.Count > 0)
            {
                var n = queue.Dequeue();
                members.Add(n);
                foreach (var m in neighbours[n])
                    if (seen.Add(m)) queue.Enqueue(m);
            }
            var ordered = TopologicalOrder(members, edges);
            pipelines.Add(new Pipeline(IdOf(members), ordered));
        }
        return pipelines.OrderBy(p => p.Transformations[0], StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>Directed edges (from → to) between transformations.</summary>
    public static List<(string From, string To)> Edges(IReadOnlyList<Transformation> transformations, IReadOnlyDictionary<string, Transformation>? byName = null)
    {
        byName ??= transformations.GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var writers = new Dictionary<QualifiedName, List<string>>();
        foreach (var t in transformations)
            foreach (var w in t.Writes)
            {
                if (!writers.TryGetValue(w, out var list)) writers[w] = list = new List<string>();
                list.Add(t.Name);
            }
        var edges = new HashSet<(string, string)>();
        foreach (var t in transformations)
        {
            foreach (var r in t.Reads)
                if (writers.TryGetValue(r, out var ws))
                    foreach (var w in ws)
                        if (!string.Equals(w, t.Name, StringComparison.OrdinalIgnoreCase)) edges.Add((w, t.Name));
            foreach (var c in t.Calls)
                if (byName.TryGetValue(c.ToString(), out var callee) && !string.Equals(callee.Name, t.Name, StringComparison.OrdinalIgnoreCase))
                    edges.Add((t.Name, callee.Name));
        }
        return edges.OrderBy(e => e.Item1, StringComparer.OrdinalIgnoreCase).ThenBy(e => e.Item2, StringComparer.OrdinalIgnoreCase).ToList();
    }

    private static List<string> TopologicalOrder(List<string> members, List<(string From, string To)> edges)
    {
        var set = new HashSet<string>(members, StringComparer.OrdinalIgnoreCase);
        var incoming = members.ToDictionary(m => m, _ => 0, StringComparer.OrdinalIgnoreCase);
        var outgoing = members.ToDictionary(m => m, _ => new List<string>(), StringComparer.OrdinalIgnoreCase);
        foreach (var (from, to) in edges)
            if (set.Contains(from) && set.Contains(to)) { incoming[to]++; outgoing[from].Add(to); }
        var ready = new SortedSet<string>(members.Where(m => incoming[m] == 0), StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        while (ready.Count > 0)
        {
            var n = ready.Min!;
            ready.Remove(n);
            order.Add(n);
            foreach (var m in outgoing[n])
                if (--incoming[m] == 0) ready.Add(m);
        }
        // Members on a cycle keep name order at the end.
        order.AddRange(members.Where(m => !order.Contains(m, StringComparer.OrdinalIgnoreCase)).OrderBy(m => m, StringComparer.OrdinalIgnoreCase));
        return order;
    }

    private static string IdOf(IEnumerable<string> members)
    {
        var key = string.Join("\n", members.Select(m => m.ToLowerInvariant()).OrderBy(m => m, StringComparer.Ordinal));
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return "pl-" + Convert.ToHexString(hash, 0, 5).ToLowerInvariant();
    }
}
