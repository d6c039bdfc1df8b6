using EtlAgent.Core.WorkspaceModel;
using System.Text;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Discovery;

/// <summary>Very large scripts are analysed slice by slice with the same results as a whole parse.</summary>
public class LargeScriptTests
{
    /// <summary>The warehouse fixture's files as batches of one script, repeated: procedures, views, DDL and loads.</summary>
    private static string WarehouseAsOneScript(int copies)
    {
        var root = TestPaths.Fixture("warehouse");
        var sb = new StringBuilder();
        var files = Directory.EnumerateFiles(root, "*.sql", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        for (int copy = 0; copy < copies; copy++)
            foreach (var f in files)
            {
                var text = File.ReadAllText(f);
                // Later copies redefine nothing: only the scripts' statements repeat.
                if (copy > 0 && !f.Contains($"{Path.DirectorySeparatorChar}Scripts{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                sb.Append(text).Append("\nGO\n");
                sb.Append("INSERT INTO Integration.[Load Watermark] ([Table Name], [Last Loaded]) VALUES (N'x;y', '2024-01-01');\n");
                sb.Append("IF 1 = 1 UPDATE Integration.[Load Watermark] SET [Last Loaded] = '2024-01-02'; ELSE DELETE FROM Integration.[Load Watermark];\n");
                sb.Append("BEGIN TRY DELETE FROM Integration.[Load Watermark] WHERE [Table Name] = ';'; END TRY BEGIN CATCH END CATCH;\nGO\n");
            }
        return sb.ToString();
    }

    [Fact]
    public void Slices_cover_the_text_and_parse_like_the_whole()
    {
        var text = WarehouseAsOneScript(3);
        var slices = StatementChunker.Split(text, 2_000);
        Assert.True(slices.Count > 10, $"only {slices.Count} slices");
        int at = 0;
        foreach (var (start, length) in slices)
        {
            Assert.Equal(at, start);
            at += length;
        }
        Assert.Equal(text.Length, at);

        var parser = new SqlParser();
        var whole = parser.Parse("w.sql", text);
        Assert.Empty(whole.Errors);
        var lines = new LineIndex(text);
        var statements = new List<(int, int)>();
        foreach (var (start, length) in slices)
        {
            var slice = parser.ParseSlice("w.sql", text, lines, start, length);
            Assert.Empty(slice.Errors);
            statements.AddRange(slice.Script!.Batches.SelectMany(b => b.Statements).Select(s => (s.StartOffset, s.FragmentLength)));
        }
        Assert.Equal(whole.Script!.Batches.SelectMany(b => b.Statements).Select(s => (s.StartOffset, s.FragmentLength)), statements);
    }

    [Fact]
    public void A_module_batch_is_never_cut()
    {
        var text = "CREATE PROCEDURE dbo.P AS\nSELECT 1;\nSELECT 2;\nSELECT 3;\nGO\nSELECT 4;\nSELECT 5;\n";
        var slices = StatementChunker.Split(text, 1);
        Assert.Equal("CREATE PROCEDURE dbo.P AS\nSELECT 1;\nSELECT 2;\nSELECT 3;\n", text.Substring(slices[0].Start, slices[0].Length));
        Assert.Equal(new[] { "GO\nSELECT 4;", "\nSELECT 5;", "\n" }, slices.Skip(1).Select(s => text.Substring(s.Start, s.Length)));
    }

    [Fact]
    public void A_sliced_analysis_reports_what_a_whole_analysis_reports()
    {
        var files = new MemoryFileSource().Add("load.sql", WarehouseAsOneScript(3));
        var whole = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = false }.Analyze(files);
        var sliced = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = false, LargeDocumentChars = 10_000, SliceChars = 2_000 }.Analyze(files);
        Assert.Equal(DiscoveryReport.Serialize(DiscoveryReport.ToJson(whole)), DiscoveryReport.Serialize(DiscoveryReport.ToJson(sliced)));
        var a = whole.Findings.Select(f => $"{f.Location} {f.RuleId} {f.Message}").ToList();
        var b = sliced.Findings.Select(f => $"{f.Location} {f.RuleId} {f.Message}").ToList();
        Assert.Equal(string.Join("\n", a.Except(b)), string.Join("\n", b.Except(a)));
        Assert.Equal(a, b);
        Assert.NotEmpty(whole.Transformations.Single(t => t.Transformation.Name == "load.sql").Transformation.Columns);
        Assert.Empty(sliced.RuleFailures);
    }

    [Fact]
    public void Streamed_json_is_the_serialized_json()
    {
        var analysis = WarehouseFixture.Analysis;
        using var stream = new MemoryStream();
        DiscoveryReport.Write(stream, analysis);
        Assert.Equal(DiscoveryReport.Serialize(DiscoveryReport.ToJson(analysis)), Encoding.UTF8.GetString(stream.ToArray()));
    }
}
