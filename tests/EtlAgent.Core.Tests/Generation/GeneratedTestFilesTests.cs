using EtlAgent.Core.Generation;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>Where generation writes, and accepting recorded expectations as reviewed.</summary>
public class GeneratedTestFilesTests
{
    private const string Body = "transformation: Etl.Load\ncases:\n- name: \"empty input → nothing changes\"\n";
    private const string Default = "tests/etl/Etl.Load.etltest.yaml";
    private const string Beside = "tests/etl/Etl.Load.generated.etltest.yaml";

    private static string Recorded => TestGenerator.Header + Body;

    [Fact]
    public void Accept_replaces_the_header_with_the_reviewed_marker_and_keeps_the_rest()
    {
        var accepted = GeneratedTestFiles.Accept(Recorded)!;
        Assert.Equal(GeneratedTestFiles.ReviewedMarker + Body, accepted);
        Assert.False(GeneratedTestFiles.IsRecorded(accepted));
        Assert.True(GeneratedTestFiles.IsReviewed(accepted));
        Assert.Null(GeneratedTestFiles.Accept(accepted));     // nothing left to accept
        Assert.Null(GeneratedTestFiles.Accept(Body));         // a hand-written file has no header
    }

    [Fact]
    public void The_header_is_found_with_crlf_a_bom_and_an_edited_second_line()
    {
        var crlf = "\uFEFF" + Recorded.Replace("\n", "\r\n");
        var span = GeneratedTestFiles.HeaderSpan(crlf)!.Value;
        Assert.Equal(1, span.Start);
        Assert.StartsWith("transformation:", crlf[(span.Start + span.Length)..]);
        var edited = TestGenerator.Header.Split('\n')[0] + "\n# my own note\n" + Body;
        Assert.Equal("# my own note\n" + Body, edited[GeneratedTestFiles.HeaderSpan(edited)!.Value.Length..]);
    }

    [Fact]
    public void Generation_replaces_recorded_files_only_and_never_a_reviewed_or_hand_written_one()
    {
        var files = new MemoryFileSource();
        Assert.Equal(Default, GeneratedTestFiles.TargetPath(files, "tests/etl", "Etl.Load", force: false));      // free
        files.Add(Default, Recorded);
        Assert.Equal(Default, GeneratedTestFiles.TargetPath(files, "tests/etl/", "Etl.Load", force: false));     // still recorded: regenerated in place
        files.Add(Default, GeneratedTestFiles.Accept(Recorded)!);
        Assert.Equal(Beside, GeneratedTestFiles.TargetPath(files, "tests/etl", "Etl.Load", force: false));       // reviewed: hand-owned
        files.Add(Beside, Recorded);
        Assert.Equal(Beside, GeneratedTestFiles.TargetPath(files, "tests/etl", "Etl.Load", force: false));
        files.Add(Beside, Body);
        Assert.Null(GeneratedTestFiles.TargetPath(files, "tests/etl", "Etl.Load", force: false));                // both hand-owned
        Assert.Equal(Default, GeneratedTestFiles.TargetPath(files, "tests/etl", "Etl.Load", force: true));
    }
}
