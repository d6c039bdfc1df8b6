using EtlAgent.Core.WorkspaceModel;
using System.Diagnostics;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;

namespace EtlAgent.LspBench;

/// <summary>In-process breakdown of one document's analysis (parse, scan, resolve + rules), for tuning.</summary>
public static class Profile
{
    public static void Run(string text)
    {
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Default);
        var tables = analyzer.ParseAndScan("tables.sql", ProcedureGenerator.Tables);
        var catalog = analyzer.BuildCatalog(new[] { tables });
        var parser = new SqlParser();
        for (int i = 0; i < 12; i++)
        {
            var sw = Stopwatch.StartNew();
            var doc = parser.Parse("large.sql", text);
            var parse = sw.Elapsed.TotalMilliseconds;
            var facts = DocumentScanner.Scan(doc);
            var scan = sw.Elapsed.TotalMilliseconds - parse;
            var resolved = facts.Transformations.Select(t => WorkspaceAnalyzer.Resolve(facts, t, catalog)).ToList();
            var resolve = sw.Elapsed.TotalMilliseconds - parse - scan;
            var index = new SyntaxIndex(doc.Tree);
            var indexMs = sw.Elapsed.TotalMilliseconds - parse - scan - resolve;
            var findings = new EtlAgent.Core.Rules.RuleRunner().Run(doc, catalog, resolved, index: index);
            var rules = sw.Elapsed.TotalMilliseconds - parse - scan - resolve - indexMs;
            var fp = CatalogFingerprint.OfDocument(facts);
            var fpMs = sw.Elapsed.TotalMilliseconds - parse - scan - resolve - indexMs - rules;
            Console.WriteLine($"parse {parse,6:F1}  scan {scan,6:F1}  resolve {resolve,6:F1}  syntax-index {indexMs,6:F1}  rules {rules,6:F1}  fingerprint {fpMs,5:F1}  findings {findings.Count}");
        }
    }
}
