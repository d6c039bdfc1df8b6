using EtlAgent.Core.WorkspaceModel;
using System.Diagnostics;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Bench;

/// <summary>Single-threaded time per phase, to see where discovery spends beyond the parse.</summary>
public static class Phases
{
    public static void Print(Dictionary<string, string> files)
    {
        var parser = new SqlParser();
        var sw = Stopwatch.StartNew();
        var docs = files.Select(f => parser.Parse(f.Key, f.Value)).ToList();
        var parse = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        var facts = docs.Select(DocumentScanner.Scan).ToList();
        var scan = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        var catalog = CatalogAssembler.Assemble(facts, null);
        var cat = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        var resolved = facts.Select(d => d.Transformations.Select(t => WorkspaceAnalyzer.Resolve(d, t, catalog)).ToList()).ToList();
        var lineage = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        var indexes = docs.Select(d => new SyntaxIndex(d.Tree)).ToList();
        var index = sw.Elapsed.TotalMilliseconds;
        var runner = new RuleRunner();
        var perRule = new Dictionary<string, double>();
        foreach (var rule in RuleRegistry.All)
        {
            var one = new RuleRunner(new[] { rule });
            sw.Restart();
            for (int i = 0; i < docs.Count; i++) one.Run(docs[i], catalog, resolved[i], index: indexes[i]);
            perRule[rule.Id] = sw.Elapsed.TotalMilliseconds;
        }
        Console.WriteLine($"phases (1 thread): parse {parse:F0} ms, scan {scan:F0}, catalog {cat:F0}, lineage {lineage:F0}, syntax index {index:F0}, rules {perRule.Values.Sum():F0}");
        foreach (var (id, ms) in perRule.OrderByDescending(p => p.Value)) Console.WriteLine($"  {id}: {ms:F1} ms");
    }
}
