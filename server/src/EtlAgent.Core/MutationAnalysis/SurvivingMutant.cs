using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.MutationAnalysis;

/// <summary>ETL0103: a mutant of the code survived its tests: a change the tests did not notice.</summary>
public sealed class SurvivingMutant : FindingKind
{
    public static readonly RuleDescriptor Rule = new("ETL0103", "mutant-survived", "A mutant survived the tests", Severity.Information, "Testing",
        new RuleDoc(
            "Mutation analysis changed the code in one small way (a comparison, a join type, a constant, a removed condition) and " +
            "every test still passed: the tests would not notice that bug. Reported on the mutated code with the kind of case " +
            "that is missing; add a case whose input makes the two versions differ (or generate tests again).",
            """
            -- tests/etl/Dim.LoadCustomer.etltest.yaml only loads customers that are new:
            -- the mutant `WHERE s.[Valid From] >= @LastRun` → `>` survives
            SELECT s.[Customer Code] FROM Staging.Customer AS s WHERE s.[Valid From] >= @LastRun;
            """,
            """
            -- a case with a customer whose [Valid From] equals @LastRun tells the two apart
            SELECT s.[Customer Code] FROM Staging.Customer AS s WHERE s.[Valid From] >= @LastRun;
            """));

    public override RuleDescriptor Descriptor => Rule;

    /// <summary>The finding for a surviving mutant, placed in <paramref name="text"/>, the file's text the mutant was made from.</summary>
    public static Finding For(MutantResult result, string text)
    {
        var m = result.Mutant;
        int start = Math.Clamp(m.Start, 0, text.Length);
        int end = Math.Clamp(m.Start + m.Length, start, text.Length);
        return new Finding(Rule.Id, Rule.DefaultSeverity, $"{SurvivorExplanation.Explain(m)} (surviving mutant: {m.Operator})",
            new Location(m.File, new LineIndex(text).Range(start, end)), Finding.NoRelated, Finding.NoFixes)
        {
            // the transformation, the operator and the edit: stable when other lines move
            Anchor = $"{m.Transformation}|{m.Operator}|{FindingFingerprint.Normalize(m.Original)}|{FindingFingerprint.Normalize(m.Mutated)}",
        };
    }
}
