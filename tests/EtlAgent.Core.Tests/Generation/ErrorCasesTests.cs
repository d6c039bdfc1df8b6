using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>Which error cases a generated file keeps (<see cref="ErrorCases"/>).</summary>
public class ErrorCasesTests
{
    private static Outcome Ok() => new(null, Array.Empty<(QualifiedName, IReadOnlyList<SandboxRow>)>(), "ok");

    private static Outcome Error(int number, int line, string file = "Load.sql") =>
        new(new SandboxError(number, $"error {number}", 16, 1, new Location(file, new TextRange(0, 1, new LinePosition(line - 1, 0), new LinePosition(line - 1, 1))), null),
            Array.Empty<(QualifiedName, IReadOnlyList<SandboxRow>)>(), $"error {number}");

    [Fact]
    public void The_same_error_at_the_same_statement_for_every_input_blocks()
    {
        var blocking = ErrorCases.Blocking(new[] { Error(241, 3), Error(241, 3), Error(241, 3) });
        Assert.NotNull(blocking);
        Assert.Equal("not testable yet: Load.sql:3: every one of the 3 candidate inputs stops with error 241 (error 241)", ErrorCases.NotTestable(blocking!, 3));
        Assert.Null(ErrorCases.Blocking(new[] { Error(241, 3), Error(241, 4) }));   // another statement
        Assert.Null(ErrorCases.Blocking(new[] { Error(241, 3), Error(245, 3) }));   // another error
        Assert.Null(ErrorCases.Blocking(new[] { Error(241, 3), Ok() }));            // one input runs past it
    }

    /// <summary>A call that ran to its end after a CATCH block handled <paramref name="number"/> raised at <paramref name="line"/>.</summary>
    private static Outcome Caught(int number, int line) => Ok() with { Caught = new[] { Error(number, line).Error! } };

    [Fact]
    public void An_error_a_CATCH_block_swallows_for_every_input_blocks_as_an_uncaught_one_does()
    {
        var outcomes = new[] { Caught(245, 9), Caught(245, 9) };
        var blocking = ErrorCases.Blocking(outcomes);
        Assert.NotNull(blocking);
        Assert.True(ErrorCases.Swallowed(outcomes, blocking!));
        Assert.Equal("not testable yet: Load.sql:9: every one of the 2 candidate inputs fails with error 245 (error 245), which a CATCH block handles, so no input runs the rest of its TRY block",
            ErrorCases.NotTestable(blocking!, 2, swallowed: true));
        Assert.Null(ErrorCases.Blocking(new[] { Caught(245, 9), Ok() }));           // one input runs its TRY block to the end
        // caught and uncaught alike: the same failure
        Assert.NotNull(ErrorCases.Blocking(new[] { Caught(245, 9), Error(245, 9) }));
        Assert.False(ErrorCases.Swallowed(new[] { Caught(245, 9), Error(245, 9) }, blocking!));
    }

    [Fact]
    public void Cases_whose_CATCH_block_handled_an_error_are_error_cases_one_per_distinct_error()
    {
        var outcomes = new[] { Ok(), Caught(245, 9), Caught(245, 9), Caught(2627, 11), Error(245, 9) };
        Assert.Equal(new[] { 0, 2, 3, 4 }, ErrorCases.Keep(new[] { 0, 1, 2, 3, 4 }, outcomes, new[] { 3, 0, 1, 0, 0 }));
        Assert.Empty(ErrorCases.Keep(new[] { 1, 3 }, outcomes, new[] { 0, 0, 0, 0, 0 }));
        Assert.Equal("not testable yet: no candidate input runs without an error (1 × error 245 at Load.sql:9 (handled by CATCH), 1 × error 2627 at Load.sql:11 (handled by CATCH))",
            ErrorCases.OnlyErrors(new[] { outcomes[1], outcomes[3] }));
    }

    [Fact]
    public void When_the_sandbox_refused_some_inputs_the_refusal_leads_the_reason()
    {
        // the inputs with a run id reach a construct the sandbox refuses; the NULL one only reaches the CATCH block's 515
        var blocking = ErrorCases.Blocking(new[] { Error(515, 40) })!;
        Assert.Equal("not testable yet: Load.sql:12: system view sys.partitions is not supported by the sandbox (2 candidate inputs); the other 1 stop at Load.sql:40 with error 515 (error 515)",
            ErrorCases.NotTestableBehindRefusal("Load.sql:12: system view sys.partitions is not supported by the sandbox", 2, blocking, 1));
    }

    [Fact]
    public void One_case_per_distinct_error_is_kept_the_one_that_told_most_mutants_apart()
    {
        var outcomes = new[] { Ok(), Error(50010, 5), Error(50010, 5), Error(50010, 5), Error(547, 9), Error(50010, 12) };
        var kills = new[] { 4, 0, 2, 1, 0, 0 };
        Assert.Equal(new[] { 0, 2, 4, 5 }, ErrorCases.Keep(new[] { 0, 1, 2, 3, 4, 5 }, outcomes, kills));
        // ties: the first
        Assert.Equal(new[] { 0, 1 }, ErrorCases.Keep(new[] { 0, 1, 3 }, outcomes, new[] { 0, 1, 0, 1, 0, 0 }));
    }

    [Fact]
    public void An_error_a_CATCH_block_re_raises_is_distinct_per_error_it_handled()
    {
        // one handler re-raises every failure at line 30: the validations at lines 5 and 6 are two behaviours
        Outcome Reraised(int line) => Error(50000, 30) with { Caught = new[] { Error(50000, line).Error! } };
        var outcomes = new[] { Ok(), Reraised(5), Reraised(6), Reraised(5), Error(50000, 30) };
        Assert.Equal(new[] { 0, 1, 2, 4 }, ErrorCases.Keep(new[] { 0, 1, 2, 3, 4 }, outcomes, new[] { 0, 0, 0, 0, 0 }));
        Assert.Equal(new[] { 0, 3 }, ErrorCases.Keep(new[] { 0, 1, 3 }, outcomes, new[] { 0, 0, 0, 1, 0 }));
    }

    [Fact]
    public void Error_cases_are_kept_only_beside_a_case_that_runs_without_one()
    {
        var outcomes = new[] { Error(50001, 7), Error(50002, 8) };
        Assert.Empty(ErrorCases.Keep(new[] { 0, 1 }, outcomes, new[] { 0, 0 }));
        Assert.Equal("not testable yet: no candidate input runs without an error (1 × error 50001 at Load.sql:7, 1 × error 50002 at Load.sql:8)",
            ErrorCases.OnlyErrors(outcomes));
    }

    [Fact]
    public void An_error_in_dynamic_sql_is_named_by_the_exec_that_ran_it_its_line_in_the_text_and_its_message()
    {
        var inText = Error(208, 14).Error! with { Message = "Invalid object name 'dbo.Work_x'." };
        var outcomes = new[] { Ok() with { Caught = new[] { inText with { DynamicLine = 2 } } }, Error(102, 9) };
        Assert.Equal("not testable yet: no candidate input runs without an error (1 × error 208 at Load.sql:14 (in the dynamic SQL it runs, at its line 2: Invalid object name 'dbo.Work_x'.) (handled by CATCH), 1 × error 102 at Load.sql:9)",
            ErrorCases.OnlyErrors(outcomes));
    }
}
