using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Agent;

/// <summary>ETL0130: a case took more than twice its stored baseline for the same procedure and input.</summary>
public sealed class SandboxTimeRegression : FindingKind
{
    public static readonly RuleDescriptor Rule = new("ETL0130", "sandbox-time-regression", "A case runs more than twice as long as before", Severity.Information, "Performance",
        new RuleDoc(
            "The memory of past runs keeps how long the sandbox took for each procedure on each input. When a case of the same " +
            "procedure on the same input (the test file's case unchanged) takes more than twice the median of those times, and " +
            "at least a noticeable amount more, the run reports it at the case (a machine that is busy for the whole run slows every " +
            "case: the run's typical slowdown is factored out, so only cases slower than the rest are reported): a join that lost its key, a loop that now runs " +
            "per row. Compare the procedure with its last commit; run the case again to rule out a busy machine.",
            """
            # tests/etl/Fact.LoadSale.etltest.yaml: the case took 40 ms in the last runs and 900 ms now
            transformation: Fact.LoadSale
            cases:
              - name: a day of sales
            """,
            """
            # the same case, back near its baseline after the join condition was restored
            transformation: Fact.LoadSale
            cases:
              - name: a day of sales
            """) { Language = "yaml" });

    public override RuleDescriptor Descriptor => Rule;

    /// <summary>The finding for <paramref name="result"/>, which took <paramref name="milliseconds"/> against a baseline of <paramref name="baseline"/>.</summary>
    /// <param name="machine">How much slower the whole run was than its baselines (1: not slower); already factored out.</param>
    public static Finding For(TestCaseResult result, string? text, double milliseconds, double baseline, int runs, double machine = 1) =>
        new(Rule.Id, Rule.DefaultSeverity,
            $"{result.Case.Name}: took {milliseconds:0} ms, {milliseconds / baseline:0.0}× its baseline of {baseline:0} ms " +
            $"(median of {runs} earlier {(runs == 1 ? "run" : "runs")} of {result.File.Transformation} on this input" +
            (machine > 1.05 ? $"; the whole run was {machine:0.0}× slower, which is allowed for" : "") + ")",
            new Location(result.File.Path, LineIndex.At(text, result.Case.Line)), Finding.NoRelated, Finding.NoFixes)
        {
            Anchor = $"{result.File.Transformation}|{result.Case.Name}",
        };
}
