using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>A finding keeps its identity when the file is edited elsewhere or the message is reworded, and two findings never share one.</summary>
public class FindingFingerprintTests
{
    private const string Procedure = """
        CREATE PROCEDURE dbo.P AS
        BEGIN
            UPDATE dbo.T SET a = 1 WHERE b = NULL;
            UPDATE dbo.T SET a = 2 WHERE c = NULL;
        END
        """;

    private static IReadOnlyList<Finding> Check(string text) =>
        new WorkspaceAnalyzer(WorkspaceSettings.Default).Analyze(new MemoryFileSource().Add("p.sql", text)).Findings;

    [Fact]
    public void Fingerprints_survive_lines_added_above_and_differ_between_findings()
    {
        var before = Check(Procedure);
        var after = Check("-- a header comment\n-- and another line\n\n" + Procedure.Replace("BEGIN", "BEGIN\n    SET NOCOUNT ON;"));
        Assert.NotEmpty(before);
        Assert.Equal(before.Count, after.Count);
        Assert.NotEqual(before[0].Location.Range.Start.Line, after[0].Location.Range.Start.Line);
        Assert.Equal(FindingFingerprint.Of(before), FindingFingerprint.Of(after));
        Assert.Equal(before.Count, FindingFingerprint.Of(before).Distinct().Count());
    }

    [Fact]
    public void Fingerprints_ignore_the_wording_of_the_message()
    {
        var f = Check(Procedure)[0];
        Assert.Equal(FindingFingerprint.Of(f), FindingFingerprint.Of(f with { Message = "reworded" }));
        Assert.NotEqual(FindingFingerprint.Of(f), FindingFingerprint.Of(f with { RuleId = "ETL0999" }));
        Assert.NotEqual(FindingFingerprint.Of(f), FindingFingerprint.Of(f with { Location = f.Location with { File = "q.sql" } }));
    }

    [Fact]
    public void The_same_code_flagged_twice_in_a_file_gets_two_identities()
    {
        var twice = Check(Procedure.Replace("c = NULL", "b = NULL").Replace("a = 2", "a = 1"));
        var prints = FindingFingerprint.Of(twice);
        Assert.Equal(prints.Count, prints.Distinct().Count());
    }

    [Fact]
    public void A_test_file_problem_is_anchored_to_its_line_content_not_its_number()
    {
        var text = "transformation: dbo.P\ncases:\n  - name: x\n    given:\n      dbo.Nope: []\n";
        var moved = "# a comment\n" + text;
        var a = UnloadableTestFile.For(new TestFileError("t.etltest.yaml", 5, 7, "no table dbo.Nope"), text);
        var b = UnloadableTestFile.For(new TestFileError("t.etltest.yaml", 6, 7, "there is no table dbo.Nope"), moved);
        Assert.Equal(4, a.Location.Range.Start.Line);
        Assert.Equal(5, b.Location.Range.Start.Line);
        Assert.Equal(FindingFingerprint.Of(a), FindingFingerprint.Of(b));
        Assert.Equal("ETL0101", a.RuleId);
    }
}
