// Also compiled into tests/EtlAgent.LanguageServer.Tests (nullable there), which test it against the real server.
#nullable disable
using System.Collections.Generic;
using System.Linq;
using Newtonsoft.Json.Linq;

namespace EtlAgent.VisualStudio.Pipelines
{
    /// <summary>
    /// The Pipelines tree from the etlAgent/pipelines answer (the discover JSON), as the VS Code view
    /// shows it (vscode-extension/src/pipelinesModel.ts): pipeline → transformation → Reads / Writes → table.
    /// </summary>
    public sealed class PipelineNode
    {
        public string Label { get; set; } = "";
        public string Description { get; set; }
        /// <summary>Workspace-relative file to open, with a 0-based line.</summary>
        public string File { get; set; }
        public int Line { get; set; }
        public List<PipelineNode> Children { get; } = new List<PipelineNode>();

        public static List<PipelineNode> Build(JToken model)
        {
            var transformations = (model?["transformations"] as JArray ?? new JArray()).OfType<JObject>()
                .Where(t => t.Value<string>("name") != null)
                .GroupBy(t => t.Value<string>("name")).ToDictionary(g => g.Key, g => g.First());
            var tables = new Dictionary<string, string>();
            foreach (var list in new[] { model?["tables"], model?["views"] })
                foreach (var t in (list as JArray ?? new JArray()).OfType<JObject>())
                    if (t.Value<string>("name") is string name && !tables.ContainsKey(name)) tables[name] = t.Value<string>("file");

            var roots = new List<PipelineNode>();
            foreach (var pipeline in (model?["pipelines"] as JArray ?? new JArray()).OfType<JObject>())
            {
                var node = new PipelineNode { Label = pipeline.Value<string>("id") ?? "" };
                foreach (var name in (pipeline["transformations"] as JArray ?? new JArray()).Values<string>())
                    node.Children.Add(Transformation(name, transformations.TryGetValue(name, out var t) ? t : null, tables));
                node.Description = node.Children.Count == 1 ? "1 transformation" : $"{node.Children.Count} transformations";
                roots.Add(node);
            }
            return roots;
        }

        private static PipelineNode Transformation(string name, JObject t, Dictionary<string, string> tables)
        {
            var node = new PipelineNode { Label = name, Description = t?.Value<string>("kind"), File = t?.Value<string>("file"), Line = (t?.SelectToken("range.startLine")?.Value<int>() ?? 1) - 1 };
            foreach (var (group, key) in new[] { ("Reads", "reads"), ("Writes", "writes") })
            {
                var names = (t?[key] as JArray ?? new JArray()).Values<string>().ToList();
                if (names.Count == 0) continue;
                var g = new PipelineNode { Label = group };
                g.Children.AddRange(names.Select(n => new PipelineNode { Label = n, File = tables.TryGetValue(n, out var f) ? f : null }));
                node.Children.Add(g);
            }
            return node;
        }
    }
}
