using System.Globalization;
using System.Net;
using System.Text;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Reporting;

/// <summary>
/// The workspace's transformations as a directed graph drawn in SVG, with no script and no network:
/// an edge from A to B when B reads a table A writes (data, solid) or A runs B (calls it, or reads
/// the view or function; dashed). Laid out in columns by the longest path from a source, so data
/// flows left to right; each box is coloured by the transformation's status.
/// </summary>
public static class PipelineGraph
{
    private const int BoxWidth = 232, BoxHeight = 26, ColumnGap = 70, RowGap = 12, Margin = 16;

    public sealed record Edge(string From, string To, bool Runs);

    public static IReadOnlyList<Edge> Edges(IReadOnlyList<Transformation> transformations)
    {
        // a name defined in several files (a project and its generated release script) is one node
        var names = new Dictionary<QualifiedName, string>();
        foreach (var t in transformations) names.TryAdd(QualifiedName.Parse(t.Name), t.Name);
        var edges = new HashSet<Edge>();
        foreach (var b in transformations)
        {
            foreach (var callee in b.Calls)
                if (names.TryGetValue(callee, out var c) && c != b.Name) edges.Add(new Edge(b.Name, c, Runs: true));
            foreach (var read in b.Reads)
            {
                if (names.TryGetValue(read, out var v) && v != b.Name) edges.Add(new Edge(b.Name, v, Runs: true));
                // two writers of one table are peers (both loads of a dimension), not one the other's input
                foreach (var a in transformations)
                    if (a.Name != b.Name && a.Writes.Contains(read) && !b.Writes.Contains(read)) edges.Add(new Edge(a.Name, b.Name, Runs: false));
            }
        }
        return edges.OrderBy(e => e.From, StringComparer.OrdinalIgnoreCase).ThenBy(e => e.To, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>
    /// Column of each node: the longest path to it from a node nothing feeds, after the edges that
    /// close a cycle (found depth-first, in name order) are set aside.
    /// </summary>
    public static IReadOnlyDictionary<string, int> Layers(IReadOnlyList<string> nodes, IReadOnlyList<Edge> edges)
    {
        var flows = Flows(nodes, edges);
        var successors = nodes.ToDictionary(n => n, _ => new List<string>(), StringComparer.OrdinalIgnoreCase);
        foreach (var (from, to) in flows) successors[from].Add(to);
        // depth-first: an edge to a node still on the path closes a cycle
        var state = nodes.ToDictionary(n => n, _ => 0, StringComparer.OrdinalIgnoreCase); // 0 new, 1 on the path, 2 done
        var back = new HashSet<(string, string)>();
        foreach (var root in nodes.OrderBy(n => n, StringComparer.OrdinalIgnoreCase))
        {
            if (state[root] != 0) continue;
            var stack = new Stack<(string Node, int Next)>();
            stack.Push((root, 0));
            state[root] = 1;
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                if (next < successors[node].Count)
                {
                    stack.Push((node, next + 1));
                    var to = successors[node][next];
                    if (state[to] == 1) back.Add((node, to));
                    else if (state[to] == 0) { state[to] = 1; stack.Push((to, 0)); }
                }
                else state[node] = 2;
            }
        }
        // longest path over what is left, in topological order
        var layer = nodes.ToDictionary(n => n, _ => 0, StringComparer.OrdinalIgnoreCase);
        var forward = flows.Where(f => !back.Contains(f)).ToList();
        var incoming = nodes.ToDictionary(n => n, n => forward.Count(f => string.Equals(f.To, n, StringComparison.OrdinalIgnoreCase)), StringComparer.OrdinalIgnoreCase);
        var ready = new Queue<string>(nodes.Where(n => incoming[n] == 0));
        while (ready.Count > 0)
        {
            var node = ready.Dequeue();
            foreach (var (_, to) in forward.Where(f => string.Equals(f.From, node, StringComparison.OrdinalIgnoreCase)))
            {
                layer[to] = Math.Max(layer[to], layer[node] + 1);
                if (--incoming[to] == 0) ready.Enqueue(to);
            }
        }
        return layer;
    }

    /// <summary>Edges in the direction things flow: writer → reader, and the code that is run → the code that runs it.</summary>
    private static List<(string From, string To)> Flows(IReadOnlyList<string> nodes, IReadOnlyList<Edge> edges)
    {
        var known = nodes.ToHashSet(StringComparer.OrdinalIgnoreCase);
        return edges.Select(e => e.Runs ? (From: e.To, To: e.From) : (e.From, e.To))
            .Where(e => known.Contains(e.From) && known.Contains(e.To)).Distinct().ToList();
    }

    /// <summary>The SVG; <paramref name="status"/> gives each node's CSS class (passed, failed, untested, other).</summary>
    public static string Svg(IReadOnlyList<Transformation> transformations, Func<string, string> status, Func<string, string>? link = null)
    {
        var nodes = transformations.Select(t => t.Name).Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToList();
        var edges = Edges(transformations);
        var layers = Layers(nodes, edges);
        var columns = nodes.GroupBy(n => layers[n]).OrderBy(g => g.Key).Select(g => g.ToList()).ToList();
        // within a column, a node sits near the nodes that feed it (fewer crossings)
        var flows = Flows(nodes, edges);
        var row = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var column in columns)
        {
            double Center(string n)
            {
                var feeds = flows.Where(f => string.Equals(f.To, n, StringComparison.OrdinalIgnoreCase) && row.ContainsKey(f.From)).Select(f => row[f.From]).ToList();
                return feeds.Count == 0 ? double.MaxValue : feeds.Average();
            }
            column.Sort((a, b) => Center(a).CompareTo(Center(b)) is var c && c != 0 ? c : StringComparer.OrdinalIgnoreCase.Compare(a, b));
            for (int i = 0; i < column.Count; i++) row[column[i]] = i;
        }
        var position = new Dictionary<string, (int X, int Y)>(StringComparer.OrdinalIgnoreCase);
        for (int c = 0; c < columns.Count; c++)
            for (int r = 0; r < columns[c].Count; r++)
                position[columns[c][r]] = (Margin + c * (BoxWidth + ColumnGap), Margin + r * (BoxHeight + RowGap));
        int width = Margin * 2 + Math.Max(1, columns.Count) * (BoxWidth + ColumnGap) - ColumnGap;
        int height = Margin * 2 + Math.Max(1, columns.Count == 0 ? 1 : columns.Max(c => c.Count)) * (BoxHeight + RowGap) - RowGap;

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"dag\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"pipelines\">");
        sb.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#7a869a\"/></marker></defs>");
        foreach (var e in edges)
        {
            // drawn in the direction data or control flows: writer → reader, the callee's box → the caller's
            var (from, to) = e.Runs ? (e.To, e.From) : (e.From, e.To);
            var (x1, y1) = position[from];
            var (x2, y2) = position[to];
            int sx = x1 + BoxWidth, sy = y1 + BoxHeight / 2, tx = x2, ty = y2 + BoxHeight / 2;
            if (x2 <= x1) { sx = x1 + BoxWidth / 2; sy = y1 + BoxHeight; tx = x2 + BoxWidth / 2; ty = y2; }
            int mid = (sx + tx) / 2;
            sb.Append(CultureInfo.InvariantCulture, $"<path class=\"edge{(e.Runs ? " runs" : "")}\" d=\"M{sx},{sy} C{mid},{sy} {mid},{ty} {tx},{ty}\" marker-end=\"url(#arrow)\"><title>{Esc(e.Runs ? $"{e.From} runs {e.To}" : $"{e.To} reads what {e.From} writes")}</title></path>");
        }
        foreach (var name in nodes)
        {
            var (x, y) = position[name];
            var label = name.Length > 31 ? name[..30] + "…" : name;
            var box = $"<g class=\"node {status(name)}\"><title>{Esc(name)}: {Esc(status(name))}</title><rect x=\"{x}\" y=\"{y}\" width=\"{BoxWidth}\" height=\"{BoxHeight}\" rx=\"5\"/>" +
                      $"<text x=\"{x + 8}\" y=\"{y + 17}\">{Esc(label)}</text></g>";
            sb.Append(link?.Invoke(name) is { } href ? $"<a href=\"{Esc(href)}\">{box}</a>" : box);
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static string Esc(string text) => WebUtility.HtmlEncode(text);
}
