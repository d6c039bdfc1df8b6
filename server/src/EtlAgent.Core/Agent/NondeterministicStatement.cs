using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Agent;

/// <summary>
/// ETL0132: re-running a case with the given rows in another order, another clock or another NEWID
/// seed changed its outcome, and this statement is why (<see cref="NondeterminismProbe"/>).
/// </summary>
public sealed class NondeterministicStatement : FindingKind
{
    public static readonly RuleDescriptor Rule = new("ETL0132", "nondeterministic-statement", "A statement's result changes with row order, the clock or the NEWID seed", Severity.Warning, "Testing",
        new RuleDoc(
            "The sandbox runs a case the same way every time, so a case that passes once passes always — there. SQL Server does not " +
            "promise the order a scan returns rows in, and its clock and NEWID() change with every call. The agent re-runs cases under " +
            "perturbations (the given rows stored in reverse and in another order, the clock moved by a day and an hour, another NEWID " +
            "seed); when the outcome changes, the statement with the construct that depends on it is reported: TOP without ORDER BY, a " +
            "variable assigned from several rows, ROW_NUMBER (NTILE, LAG, LEAD, FIRST_VALUE) over an ORDER BY with ties, GETDATE() and " +
            "the other clock functions in a case without a fixed clock, NEWID(). The message names the case and the perturbation. " +
            "Cases whose outcome differed between two runs (ETL0131) are always re-run this way; other cases are when their code " +
            "holds such a construct.",
            """
            -- which staged version of the city is kept depends on the order the rows are read in
            SELECT TOP (1) @Name = s.[City Name]
            FROM   Staging.City AS s
            WHERE  s.[City Code] = @Code;
            """,
            """
            -- the latest version, and the code breaks ties: one row on every server
            SELECT TOP (1) @Name = s.[City Name]
            FROM   Staging.City AS s
            WHERE  s.[City Code] = @Code
            ORDER BY s.[Valid From] DESC, s.[Staging ID] DESC;
            """) { Language = "sql" });

    public override RuleDescriptor Descriptor => Rule;

    public static Finding For(OrderSensitiveConstruct construct, string file, string text, TestCaseResult changed, Perturbation perturbation, string consequence, int others)
    {
        var range = new LineIndex(text).Range(construct.Start, construct.Start + construct.Length);
        var also = others > 0 ? $" (and {others} more {(others == 1 ? "case" : "cases")})" : "";
        return new Finding(Rule.Id, Rule.DefaultSeverity,
            $"{construct.Name}: case \"{changed.Case.Name}\"{also} {consequence} when {Perturbations.Describe(perturbation)}; {construct.Advice}",
            new Location(file, range),
            new[] { new RelatedLocation(new Location(changed.File.Path, LineIndex.At(null, changed.Case.Line)), $"the case whose outcome changed: {changed.Case.Name}") },
            Finding.NoFixes)
        {
            Anchor = $"{construct.Name}|{FindingFingerprint.Normalize(text.Substring(construct.Statement.Start, Math.Min(construct.Statement.End, text.Length) - construct.Statement.Start))}",
        };
    }

    /// <summary>The case's outcome changed under a perturbation, but no construct of the transformation explains it: reported at the case.</summary>
    public static Finding Unexplained(TestCaseResult changed, string? testText, Perturbation perturbation, string consequence) =>
        new(Rule.Id, Rule.DefaultSeverity,
            $"{changed.Case.Name}: {consequence} when {Perturbations.Describe(perturbation)}, and no TOP, ROW_NUMBER, clock or NEWID in {changed.File.Transformation} explains it " +
            "(a called procedure, a view or a trigger may hold it)",
            new Location(changed.File.Path, LineIndex.At(testText, changed.Case.Line)), Finding.NoRelated, Finding.NoFixes)
        {
            Anchor = $"{changed.File.Transformation}|{changed.Case.Name}|{perturbation}",
        };
}
