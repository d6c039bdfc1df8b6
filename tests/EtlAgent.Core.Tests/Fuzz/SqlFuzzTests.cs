using EtlAgent.Core.WorkspaceModel;
using System.Diagnostics;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Fuzz;

/// <summary>
/// Random and mutated documents through the parser, discovery, lineage and every rule, the way
/// both doors run them (large-stack threads, whole and incremental parses, whole and sliced
/// analyses): nothing may throw out of Core, and no rule or lineage step may fail. Bounded in
/// documents and time so that it runs in CI; ETLAGENT_FUZZ_SEED replays or explores another seed.
/// </summary>
public class SqlFuzzTests
{
    // ETLAGENT_FUZZ_DOCUMENTS raises the count to explore locally; CI runs the fixed bound.
    private static readonly int Documents = int.TryParse(Environment.GetEnvironmentVariable("ETLAGENT_FUZZ_DOCUMENTS"), out var n) ? n : 1500;
    private static readonly TimeSpan Budget = Documents > 1500 ? TimeSpan.FromHours(1) : TimeSpan.FromSeconds(90);

    [Fact]
    public void Mutated_and_random_documents_never_crash_the_analysis()
    {
        int seed = SqlMutator.Seed(20260517);
        var corpus = Directory.EnumerateFiles(TestPaths.Fixture("warehouse"), "*.sql", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
        var mutator = new SqlMutator(corpus, seed);
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Default);
        var sliced = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = false, LargeDocumentChars = 2_000, SliceChars = 500 };
        var catalog = WarehouseFixture.Analysis.Catalog;
        var problems = new List<string>();
        var clock = Stopwatch.StartNew();
        int done = 0;
        DocumentFacts? previous = null;
        for (; done < Documents && clock.Elapsed < Budget; done++)
        {
            var text = mutator.Next();
            try
            {
                DeepStack.Run(() =>
                {
                    var facts = analyzer.ParseAndScan("fuzz.sql", text, previous);
                    previous = facts;
                    var result = analyzer.AnalyzeDocument(facts, catalog);
                    foreach (var f in result.Failures) problems.Add($"document {done}: {f.RuleId} failed: {f.Exception.GetType().Name}: {f.Exception.Message}");
                    var whole = WorkspaceAnalyzer.Compose(new[] { facts }, catalog, new[] { result });
                    DiscoveryReport.Serialize(DiscoveryReport.ToJson(whole));
                    foreach (var t in whole.Transformations) LineageReport.Summary(t.Transformation);
                });
                if (done % 10 == 0)
                {
                    var analysis = sliced.Analyze(new MemoryFileSource().Add("fuzz.sql", text));
                    foreach (var f in analysis.RuleFailures) problems.Add($"document {done} (sliced): {f.RuleId} failed: {f.Exception.GetType().Name}: {f.Exception.Message}");
                }
            }
            catch (Exception e)
            {
                problems.Add($"document {done}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(problems.Count == 0, $"seed {seed}, {done} documents:\n" + string.Join("\n", problems.Distinct().Take(20)));
        Assert.True(done >= 50, $"only {done} documents in {Budget}");
    }
}
