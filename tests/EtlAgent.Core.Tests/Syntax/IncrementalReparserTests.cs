using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Syntax;

/// <summary>
/// Re-parsing only the edited statement must give exactly what a full parse gives: the same
/// transformations, lineage and findings (with positions), on chains of random edits.
/// </summary>
public class IncrementalReparserTests
{
    // Mostly edits that keep the SQL valid (what typing inside a statement looks like), some that break it.
    private static readonly string[] Insertions = { " ", "  ", "\n    ", "\r\n", "1", "0", " -- note\n", " /* c */ ", " AND 1 = 1", " OR 2 > 1", " = NULL", ";", "(", "é", "x" };

    [Theory]
    [InlineData("Procedures/Dim/Dim.LoadCustomer.sql", 1)]   // BOM + CRLF
    [InlineData("Procedures/Fact/Fact.LoadSale.sql", 2)]
    [InlineData("Procedures/Dim/Dim.LoadSupplier.sql", 3)]
    [InlineData("Procedures/Dim/Dim.PopulateDate.sql", 4)]
    [InlineData("Procedures/Fact/Fact.LoadMovement.sql", 5)]
    public void Random_edit_chains_match_a_full_parse(string file, int seed)
    {
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Default);
        var catalog = WarehouseFixture.Analysis.Catalog;
        var text = File.ReadAllText(Path.Combine(TestPaths.Fixture("warehouse"), file));
        var random = new Random(seed);
        var current = new SqlParser().Parse(file, text);
        int incremental = 0, edits = 200;

        for (int i = 0; i < edits; i++)
        {
            var newText = Edit(current.Text, random);
            var reparsed = IncrementalReparser.TryReparse(current, newText, SqlParser.DefaultCompatibilityLevel);
            var full = new SqlParser().Parse(file, newText);
            if (reparsed is not null)
            {
                incremental++;
                var before = current.Text;
                var expected = Describe(analyzer, catalog, full);
                var actual = Describe(analyzer, catalog, reparsed);
                if (expected != actual)
                {
                    int p = 0; while (p < before.Length && p < newText.Length && before[p] == newText[p]) p++;
                    Assert.Fail($"edit {i} at {p}: '{Show(before, p)}' -> '{Show(newText, p)}'\n{expected}\n----\n{actual}");
                }
                current = reparsed;
            }
            else if (full.Errors.Count == 0) current = full;
            // An edit that broke the SQL is dropped, like the next keystroke of a user fixing it.
        }
        Assert.True(incremental >= edits / 5, $"only {incremental} of {edits} edits took the incremental path");
    }

    [Fact]
    public void Edits_that_change_statement_boundaries_fall_back()
    {
        var doc = new SqlParser().Parse("p.sql", "CREATE PROCEDURE dbo.P AS\nBEGIN\n    UPDATE dbo.T SET a = 1 WHERE b = 2;\n    DELETE FROM dbo.T WHERE c = 3;\nEND\n");
        Assert.Null(IncrementalReparser.TryReparse(doc, doc.Text.Replace("a = 1 WHERE", "a = 1; WHERE"), 170));       // splits a statement
        Assert.Null(IncrementalReparser.TryReparse(doc, doc.Text.Replace("b = 2;", "b = 2"), 170));                    // removes the terminator
        Assert.Null(IncrementalReparser.TryReparse(doc, doc.Text.Replace("2;\n    DELETE", "2 DELETE"), 170));       // across statements
        var ok = IncrementalReparser.TryReparse(doc, doc.Text.Replace("a = 1", "a = 10"), 170);
        Assert.NotNull(ok);
        var update = DocumentScanner.Scan(ok!).Transformations.Single();
        Assert.Equal(new[] { "dbo.T" }, update.Writes.Select(w => w.ToString()));
    }

    private static string Show(string t, int p) => t.Substring(Math.Max(0, p - 30), Math.Min(60, t.Length - Math.Max(0, p - 30))).Replace("\n", "\\n").Replace("\r", "\\r");

    private static string Edit(string text, Random random)
    {
        int pos = random.Next(text.Length + 1);
        return random.Next(4) switch
        {
            0 or 1 => text.Insert(pos, Insertions[random.Next(Insertions.Length)]),
            2 when pos < text.Length && text[pos] is ' ' or '1' or '0' => text.Remove(pos, 1),
            _ => text.Insert(pos, " "),
        };
    }

    private static string Describe(WorkspaceAnalyzer analyzer, EtlAgent.Core.Catalog.SchemaCatalog catalog, SqlDocument doc)
    {
        var facts = DocumentScanner.Scan(doc);
        var result = analyzer.AnalyzeDocument(facts, catalog);
        var sb = new System.Text.StringBuilder();
        foreach (var t in result.Transformations.Select(t => t.Transformation))
        {
            sb.AppendLine($"{t.Name} {t.HeaderRange} {t.BodyRange} r:{string.Join(",", t.Reads)} w:{string.Join(",", t.Writes)} c:{string.Join(",", t.Calls)}");
            foreach (var c in t.Columns) sb.AppendLine($"  {c.Target} <- {string.Join(",", c.Sources)} {c.Mapping} {c.Location?.Range}");
        }
        foreach (var f in result.Findings)
        {
            sb.AppendLine($"{f.RuleId} {f.Location.Range} {f.Message}");
            foreach (var e in f.Fixes.SelectMany(x => x.Edits)) sb.AppendLine($"  fix {e.Range} {e.NewText}");
        }
        return sb.ToString();
    }
}
