using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Sandbox;

/// <summary>
/// An expected error message is compared without the line it was raised at: generated tests record
/// "Msg 515, Level 16, State 1, Line 5: …", and a heal that adds a line above the statement must not
/// fail them; the number, level, state and text still count.
/// </summary>
public class ExpectedMessageLineTests
{
    [Theory]
    [InlineData("Msg 515, Level 16, State 2, Line 11: Cannot insert the value NULL", "Msg 515, Level 16, State 2, Line 13: Cannot insert the value NULL", true)]
    [InlineData("Msg 515, Level 16, State 2, Line 11: Cannot insert the value NULL", "Msg 515, Level 16, State 2, Procedure dbo.Load, Line 12: cannot insert the value null  ", true)]
    [InlineData("Msg 515, Level 16, State 2, Line 11: Cannot insert the value NULL", "Msg 2627, Level 14, State 1, Line 11: Cannot insert the value NULL", false)]
    [InlineData("Msg 515, Level 16, State 2, Line 11: Cannot insert the value NULL", "Msg 515, Level 16, State 2, Line 11: Cannot insert duplicate key", false)]
    [InlineData("Msg 515, Level 16, State 2, Line 11: Cannot insert the value NULL", "Msg 515, Level 16, State 1, Line 11: Cannot insert the value NULL", false)]
    [InlineData("Line 11: done", "Line 12: done", false)] // only an error's header loses its line; printed text is compared as printed
    public void The_line_of_an_error_message_is_not_compared(string expected, string printed, bool matches)
    {
        var mismatch = MessagesMismatch.Find(new MessagesExpectation(new[] { expected }), new[] { printed });
        Assert.Equal(matches, mismatch is null);
    }

    private static async Task<TestCaseResult> RunAsync(Func<string, string> editProcedure)
    {
        const string procedure = "dbo.LoadCustomer.sql", test = "tests/dbo.LoadCustomer.etltest.yaml";
        var files = new MemoryFileSource().AddAll(new PhysicalFileSource(TestPaths.Fixture("message-line")), _ => true);
        files.Add(procedure, editProcedure(files.ReadAllText(procedure)));
        var engine = Engine.Create(files, WorkspaceSettings.Load(files), EngineHost.System);
        var analysis = engine.CurrentAnalysis();
        var loaded = new TestFileLoader(analysis).Load(test, files.ReadAllText(test));
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors));
        return Assert.Single((await engine.TestRunner(analysis).RunAsync(new[] { loaded.File! })).Cases);
    }

    [Fact]
    public async Task A_recorded_error_message_still_holds_after_an_edit_moves_its_statement_down()
    {
        Assert.Equal(TestOutcome.Passed, (await RunAsync(text => text)).Outcome);

        // a heal that adds lines above the failing INSERT: the message now says Line 7
        var moved = await RunAsync(text => text.Replace("    SET NOCOUNT ON;\n", "    SET NOCOUNT ON;\n    -- the staged rows, one at a time\n\n", StringComparison.Ordinal));
        Assert.Contains(moved.Messages, m => m.Contains("Line 7:", StringComparison.Ordinal));
        Assert.Equal(TestOutcome.Passed, moved.Outcome);

        // another error in its place still fails the case
        var other = await RunAsync(text => text.Replace("SELECT Id, Name FROM dbo.StagedCustomer WHERE Id = 1;", "SELECT 2, N'x' FROM dbo.StagedCustomer WHERE Id = 1;", StringComparison.Ordinal));
        Assert.NotEqual(TestOutcome.Passed, other.Outcome);
    }
}
