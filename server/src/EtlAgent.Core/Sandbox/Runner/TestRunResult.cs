using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Sandbox.Runner;

public enum TestOutcome
{
    Passed,
    /// <summary>An expectation did not hold, or the transformation raised an error the case did not expect.</summary>
    Failed,
    /// <summary>The case could not be run faithfully: an unsupported construct, or the sandbox itself failed.</summary>
    Error,
}

/// <summary>Why a case did not pass. Each kind carries the evidence a report needs.</summary>
public abstract record TestFailure
{
    /// <summary>One line: what did not hold.</summary>
    public abstract string Summary { get; }

    /// <summary>The line in the test file the failure belongs to (the expectation, or the case).</summary>
    public int Line { get; init; }
}

/// <summary>Rows of a table (or the result, <see cref="Table"/> null) differ from the expectation.</summary>
public sealed record RowsMismatch(
    QualifiedName? Table,
    MatchMode Match,
    RowComparison.Diff Diff) : TestFailure
{
    public string Target => Table?.ToString() ?? "result";

    public override string Summary => Match == MatchMode.Exact
        ? $"{Target}: {Diff.Missing.Count} missing, {Diff.Unexpected.Count} unexpected (expected {Rows(Diff.ExpectedCount)}, found {Diff.ActualCount})"
        : $"{Target}: {Diff.Missing.Count} of {Rows(Diff.ExpectedCount)} expected not found among {Diff.ActualCount}";

    private static string Rows(int n) => n == 1 ? "1 row" : $"{n} rows";
}

/// <summary>The result set the case expects is not there, or lacks a compared column.</summary>
public sealed record ResultShapeMismatch(string Message) : TestFailure
{
    public override string Summary => Message;
}

/// <summary>A table the case expects the call to drop still exists.</summary>
public sealed record TableNotDropped(QualifiedName Table) : TestFailure
{
    public override string Summary => $"{Table}: expected the call to drop it, but it still exists";
}

public sealed record RowCountMismatch(QualifiedName Table, long Expected, long Actual) : TestFailure
{
    public override string Summary => $"{Table}: expected {Expected} {(Expected == 1 ? "row" : "rows")}, found {Actual}";
}

/// <summary>The call raised an error it should not have, did not raise the expected one, or raised another.</summary>
public sealed record ErrorMismatch(ErrorExpectation? Expected, SandboxError? Actual) : TestFailure
{
    public override string Summary => (Expected, Actual) switch
    {
        (null, { } a) => $"the call raised error {a.Number}: {a.Message}",
        ({ } e, null) => $"expected {e} but the call succeeded",
        ({ } e, { } a) when e.Severity is not null || e.State is not null =>
            $"expected {e} but the call raised error {a.Number}, severity {a.Severity}, state {a.State}: {a.Message}",
        ({ } e, { } a) => $"expected {e} but the call raised error {a.Number}: {a.Message}",
        _ => "error mismatch",
    };
}

/// <summary>An OUTPUT parameter does not hold the value the case expects after the call (or the call set none).</summary>
public sealed record OutputMismatch(string Parameter, object? Expected, object? Actual, bool Returned) : TestFailure
{
    public override string Summary => Returned
        ? $"output {Parameter}: expected {Show(Expected)}, found {Show(Actual)}"
        : $"output {Parameter}: expected {Show(Expected)}, but the call returned no outputs";

    private static string Show(object? v) => v is null ? "NULL" : TestFiles.TestValues.Format(v, null).Text;
}

/// <summary>The procedure returned another status than the case expects (or none).</summary>
public sealed record ReturnMismatch(int Expected, int? Actual) : TestFailure
{
    public override string Summary => Actual is { } a ? $"expected the call to return {Expected}, it returned {a}" : $"expected the call to return {Expected}, it returned nothing";
}

/// <summary>A message the case expects was not printed (in its place in the order).</summary>
public sealed partial record MessagesMismatch(string Missing, IReadOnlyList<string> Printed) : TestFailure
{
    public override string Summary => Printed.Count == 0
        ? $"expected the message \"{Missing}\", but the call printed none"
        : $"expected the message \"{Missing}\" (in order), but the call printed: {string.Join(" | ", Printed.Select(p => $"\"{p}\""))}";

    /// <summary>The first expected message not found after the ones before it, or null when all were printed.</summary>
    public static MessagesMismatch? Find(MessagesExpectation expected, IReadOnlyList<string> printed)
    {
        int at = 0;
        foreach (var m in expected.Messages)
        {
            var wanted = WithoutLine(m);
            while (at < printed.Count && !string.Equals(WithoutLine(printed[at]), wanted, StringComparison.OrdinalIgnoreCase)) at++;
            if (at == printed.Count) return new MessagesMismatch(m, printed) { Line = expected.Line };
            at++;
        }
        return null;
    }

    /// <summary>
    /// An error message as the comparison sees it: "Msg 515, Level 16, State 2, Line 11: …" without its
    /// line (and SQL Server's ", Procedure X" before it, and trailing spaces), so an edit that moves the statement — a heal that adds a line —
    /// does not fail the case; the number, level, state and text still must match.
    /// </summary>
    public static string WithoutLine(string message) => ErrorLine().Replace(message.TrimEnd(), "$1:", 1);

    [System.Text.RegularExpressions.GeneratedRegex(@"^(Msg \d+, Level \d+, State \d+)(?:, Procedure [^,]+)?, Line \d+:")]
    private static partial System.Text.RegularExpressions.Regex ErrorLine();
}

/// <summary>An invariant of the file held on the rows the case started with and no longer holds after the call.</summary>
public sealed record InvariantViolation(Invariant Invariant, string Detail) : TestFailure
{
    public override string Summary => $"invariant broken: {Invariant}: {Detail}";
}

/// <summary>The sandbox could not run the case: an unsupported construct (named, placed) or an infrastructure problem.</summary>
public sealed record SandboxFailure(string Message, string? Construct = null, Location? Location = null) : TestFailure
{
    public override string Summary => Message;

    /// <summary>A defect of the tool behind this failure, for the log (its message is already <see cref="Message"/>).</summary>
    public InternalErrorException? Cause { get; init; }
}

public sealed record TestCaseResult(
    TestFile File,
    TestCase Case,
    TestOutcome Outcome,
    IReadOnlyList<TestFailure> Failures,
    TimeSpan Elapsed,
    /// <summary>PRINT output and informational messages of the call.</summary>
    IReadOnlyList<string> Messages,
    /// <summary>The error the call raised (expected or not), if any.</summary>
    SandboxError? Error = null)
{
    public string FullName => $"{File.Transformation} › {Case.Name}";

    /// <summary>The statements the call ran (see <see cref="ExecutionResult.Covered"/>); null when unknown.</summary>
    public IReadOnlySet<(string File, int Offset)>? Covered { get; init; }
}

public sealed record TestRunResult(IReadOnlyList<TestCaseResult> Cases, string Sandbox, TimeSpan Elapsed)
{
    /// <summary>The defects of the tool met by the cases, for the log (each case's message already names it).</summary>
    public IEnumerable<InternalErrorException> Defects =>
        Cases.SelectMany(c => c.Failures.OfType<SandboxFailure>()).Select(f => f.Cause).OfType<InternalErrorException>();

    public int Passed => Cases.Count(c => c.Outcome == TestOutcome.Passed);

    /// <summary>Cases that failed or could not run; both fail the run.</summary>
    public int Failed => Cases.Count - Passed;

    public bool Success => Failed == 0;
}
