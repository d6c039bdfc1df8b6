using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Agent;

/// <summary>ETL0131: a case ended differently in two runs of the same code on the same data.</summary>
public sealed class NondeterministicCase : FindingKind
{
    public static readonly RuleDescriptor Rule = new("ETL0131", "nondeterministic-case", "A case's outcome differs between runs of the same code and data", Severity.Warning, "Testing",
        new RuleDoc(
            "The sandbox is deterministic, so the same procedure text run on the same case should end the same way every time. " +
            "The memory of past runs showed this case passing in one run and failing in another with neither changed: the code " +
            "depends on something the case does not fix — rows picked by TOP without ORDER BY, ROW_NUMBER over ties, the clock " +
            "(GETDATE), NEWID. Make the choice unique (ORDER BY a key) or give the case a fixed clock.",
            """
            # Dim.LoadCity picks 'TOP (1) ... ' without ORDER BY: the case passed yesterday and fails today
            transformation: Dim.LoadCity
            cases:
              - name: two staged versions of one city
            """,
            """
            # with ORDER BY [Valid From] DESC, [City Code] the case ends the same way in every run
            transformation: Dim.LoadCity
            cases:
              - name: two staged versions of one city
            """) { Language = "yaml" });

    public override RuleDescriptor Descriptor => Rule;

    public static Finding For(TestCaseResult result, string? text, string outcome, string earlierOutcome, string earlierRun) =>
        new(Rule.Id, Rule.DefaultSeverity,
            $"{result.Case.Name}: {outcome} now but {earlierOutcome} in run {earlierRun} with the same code and input: the outcome depends on " +
            "something the case does not fix (TOP without ORDER BY, ties in ROW_NUMBER, GETDATE, NEWID)",
            new Location(result.File.Path, LineIndex.At(text, result.Case.Line)), Finding.NoRelated, Finding.NoFixes)
        {
            Anchor = $"{result.File.Transformation}|{result.Case.Name}",
        };
}
