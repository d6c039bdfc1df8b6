using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;

namespace EtlAgent.LanguageServer.Tests;

/// <summary>Test results, schema drift and mutation survivors share a file's publication without erasing each other.</summary>
public class DiagnosticLayersTests
{
    private static Diagnostic D(string message) => new() { Message = message };

    [Fact]
    public void A_file_carries_every_layer_and_a_layer_set_empty_leaves_the_others()
    {
        var layers = new DiagnosticLayers();
        layers.Set("tests", "t.etltest.yaml", new[] { D("case failed") });
        layers.Set("schema-drift", "t.etltest.yaml", new[] { D("out of date"), D("out of date 2") });
        Assert.Equal(new[] { "out of date", "out of date 2", "case failed" }, layers.For("t.etltest.yaml", null).Select(d => d.Message));
        layers.Set("tests", "t.etltest.yaml", Array.Empty<Diagnostic>());
        Assert.Equal(new[] { "out of date", "out of date 2" }, layers.For("t.etltest.yaml", null).Select(d => d.Message));
        Assert.Equal(new[] { "t.etltest.yaml" }, layers.Paths("schema-drift"));
        Assert.Empty(layers.Paths("tests"));
    }

    [Fact]
    public void Diagnostics_tied_to_a_text_go_once_the_file_changes()
    {
        var layers = new DiagnosticLayers();
        layers.Set("mutation:Dim.Load", "p.sql", new[] { D("survivor") }, forText: "v1");
        Assert.Single(layers.For("p.sql", "v1"));
        Assert.Single(layers.For("p.sql", null)); // text unknown: kept
        Assert.Empty(layers.For("p.sql", "v2"));
        Assert.Empty(layers.For("p.sql", "v1")); // gone for good: the next run publishes again
        Assert.Empty(layers.Paths("mutation:Dim.Load"));
    }
}
