using System.Text.Json;
using EtlAgent.Core.Model;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using CoreTextEdit = EtlAgent.Core.Model.TextEdit;

namespace EtlAgent.LanguageServer.Tests;

public class ConversionTests
{
    private static readonly WorkspacePaths Paths = new("/work/ws");

    private static TextRange R(int line, int start, int end) => new(start, end, new LinePosition(line, start), new LinePosition(line, end));

    [Fact]
    public void Paths_round_trip_between_uris_and_workspace_relative_paths()
    {
        Assert.Equal("procs/Load Customer.sql", Paths.ToPath("file:///work/ws/procs/Load%20Customer.sql"));
        Assert.Equal("file:///work/ws/procs/Load%20Customer.sql", Paths.ToUri("procs/Load Customer.sql"));
        Assert.Equal("untitled:Untitled-1", Paths.ToPath("untitled:Untitled-1"));
        Assert.Equal("untitled:Untitled-1", Paths.ToUri("untitled:Untitled-1"));
        Assert.Equal("file:///elsewhere/x.sql", Paths.ToUri(Paths.ToPath("file:///elsewhere/x.sql")));
    }

    [Fact]
    public void A_finding_becomes_a_diagnostic_with_code_href_related_and_fix_data()
    {
        var finding = new Finding("ETL0007", Severity.Error, "never true", new Core.Model.Location("a.sql", R(3, 4, 10)),
            new[] { new RelatedLocation(new Core.Model.Location("t.sql", R(1, 0, 5)), "column defined here") },
            new[] { new Fix("Replace with IS NULL", new[] { new CoreTextEdit("a.sql", R(3, 4, 10), "x IS NULL") }) });
        var d = LspConvert.Diagnostic(finding, Paths, 7);
        Assert.Equal("ETL0007", d.Code);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(new Protocol.Range(new(3, 4), new(3, 10)), d.Range);
        Assert.EndsWith("/ETL0007.md", d.CodeDescription!.Href);
        Assert.Equal("file:///work/ws/t.sql", d.RelatedInformation![0].Location.Uri);

        // data survives a JSON round trip (what the client sends back in codeAction) and holds a ready edit
        var json = JsonSerializer.Serialize(d, LspJson.Options);
        var back = JsonSerializer.Deserialize<Diagnostic>(json, LspJson.Options)!;
        var data = DiagnosticData.From(back.Data)!;
        Assert.Equal(7, data.Version);
        var edit = Assert.Single(data.Fixes).Edit.Changes!["file:///work/ws/a.sql"];
        Assert.Equal("x IS NULL", Assert.Single(edit).NewText);
        Assert.DoesNotContain("\"severity\":null", json);
    }

    [Fact]
    public void Incremental_changes_apply_in_utf16_units_and_clamp_past_the_line_end()
    {
        var text = "SELECT 1;\r\nSELECT N'é😀';\nEND";
        var change = new TextDocumentContentChangeEvent { Range = new(new(1, 10), new(1, 12)), Text = "x" }; // the surrogate pair
        Assert.Equal("SELECT 1;\r\nSELECT N'éx';\nEND", DocumentStore.Apply(text, change));
        var pastEnd = new TextDocumentContentChangeEvent { Range = new(new(0, 99), new(0, 99)), Text = " --" };
        Assert.Equal("SELECT 1; --\r\nSELECT N'é😀';\nEND", DocumentStore.Apply(text, pastEnd));
        var pastDocument = new TextDocumentContentChangeEvent { Range = new(new(9, 0), new(9, 0)), Text = "\nGO" };
        Assert.EndsWith("END\nGO", DocumentStore.Apply(text, pastDocument));
        Assert.Equal("all new", DocumentStore.Apply(text, new TextDocumentContentChangeEvent { Text = "all new" }));
    }

    [Fact]
    public void Client_settings_refine_the_manifest()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse("""{"etlAgent":{"include":["sql/**"],"exclude":["**/old/**"],"compatibilityLevel":150}}""");
        var settings = ClientSettings.From(node);
        Assert.Equal(150, settings.CompatibilityLevel);
        var applied = settings.Apply(Core.Workspace.WorkspaceSettings.Default, new Core.Ports.MemoryFileSource());
        Assert.Equal(150, applied.CompatibilityLevel);
        Assert.True(applied.Ignore.IsIgnored("sql/old/a.sql"));
        Assert.Null(ClientSettings.From(System.Text.Json.Nodes.JsonNode.Parse("""{"compatibilityLevel":99}""")).CompatibilityLevel);
    }
}
