using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Sandbox.Runner;

/// <summary>ETL0100: a case of a test file fails when run in the sandbox against the current code.</summary>
public sealed class FailingTestCase : FindingKind
{
    public static readonly RuleDescriptor Rule = new("ETL0100", "sandbox-test-failed", "A sandbox test case fails", Severity.Error, "Testing",
        new RuleDoc(
            "A case of a `*.etltest.yaml` file ran in the sandbox against the current code and an expectation did not hold " +
            "(rows missing or unexpected, a row count, an error raised or not raised, a message, an invariant), or the case could not run. " +
            "Reported at the expectation (or the case) in the test file. Run `etl-agent test <workspace> --filter \"<transformation> › <case>\"` " +
            "to see the rows; fix the code, or the expectation when the change is intended.",
            """
            transformation: Dim.LoadCustomer
            cases:
              - name: a new customer is inserted
                given:
                  Staging.Customer: [{ Customer Code: C-1, Name: Ann }]
                expect:
                  Dim.Customer:
                    rows: [{ Customer Code: C-1, Name: Anne }]   # the load writes 'Ann'
            """,
            """
            transformation: Dim.LoadCustomer
            cases:
              - name: a new customer is inserted
                given:
                  Staging.Customer: [{ Customer Code: C-1, Name: Ann }]
                expect:
                  Dim.Customer:
                    rows: [{ Customer Code: C-1, Name: Ann }]
            """) { Language = "yaml" });

    public override RuleDescriptor Descriptor => Rule;

    /// <summary>One finding per failure of a case that did not pass, at its line in the test file (<paramref name="text"/>, when known, places the range).</summary>
    public static IEnumerable<Finding> For(TestCaseResult result, string? text)
    {
        if (result.Outcome == TestOutcome.Passed) yield break;
        var failures = result.Failures.Count > 0 ? result.Failures : new TestFailure[] { new SandboxFailure(result.Outcome.ToString().ToLowerInvariant()) };
        foreach (var f in failures)
        {
            int line = f.Line > 0 ? f.Line : result.Case.Line;
            yield return new Finding(Rule.Id, Rule.DefaultSeverity, $"{result.Case.Name}: {f.Summary}",
                new Location(result.File.Path, LineIndex.At(text, line)), Finding.NoRelated, Finding.NoFixes)
            {
                // the case and what kind of expectation failed: the same after the file is edited elsewhere or the message changes
                Anchor = $"{result.File.Transformation}|{result.Case.Name}|{f.GetType().Name}|{(f as RowsMismatch)?.Table}{(f as RowCountMismatch)?.Table}",
            };
        }
    }
}
