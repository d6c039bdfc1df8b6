using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Generation;

/// <summary>
/// ETL0104: an invariant the schema and the code suggest (<see cref="InvariantInference"/>) does not
/// hold on the rows the code itself writes for a generated input: a suspected bug. The generator
/// leaves the invariant out of the file it writes (its cases record behaviour), and reports it here
/// with the input and the rows that break it, so the recorded behaviour is not taken for correct.
/// </summary>
public sealed class BrokenInvariant : FindingKind
{
    public static readonly RuleDescriptor Rule = new("ETL0104", "invariant-broken-by-code", "The code breaks an invariant of the table it writes (suspected bug)",
        Severity.Warning, "Testing",
        new RuleDoc(
            "While generating tests, the agent checks invariants the schema and the code suggest for the tables a procedure writes: " +
            "one current row per business key and validity windows that neither overlap nor leave gaps in a versioned (SCD2) dimension, " +
            "dimension keys of a fact that exist in their dimension. When the procedure's own output breaks one for a generated input, " +
            "the recorded expectations would enshrine the bug, so the invariant is reported with the input and the rows that break it. " +
            "Check the procedure (a missing de-duplication of staged rows is typical); if the behaviour is intended, the finding can be ignored.",
            """
            transformation: Dim.LoadCustomer
            cases:
              - name: "a new entity in the source, staged twice → Dim.Customer: 2 inserted"
                given:
                  Staging.Customer: [{ Customer Code: C-1, Name: Ann }, { Customer Code: C-1, Name: Ann }]
                expect:
                  Dim.Customer:      # two current rows for one customer
                    rows: [{ Customer Code: C-1, Valid To: 9999-12-31T23:59:59.9999999 }, { Customer Code: C-1, Valid To: 9999-12-31T23:59:59.9999999 }]
            """,
            """
            transformation: Dim.LoadCustomer
            invariants:
            - {unique: Dim.Customer, columns: ["Customer Code"], where: {"Valid To": "9999-12-31T23:59:59.9999999"}}
            cases:
              - name: "a new entity in the source, staged twice → Dim.Customer: 1 inserted"
                given:
                  Staging.Customer: [{ Customer Code: C-1, Name: Ann }, { Customer Code: C-1, Name: Ann }]
                expect:
                  Dim.Customer:
                    rows: [{ Customer Code: C-1, Valid To: 9999-12-31T23:59:59.9999999 }]
            """) { Language = "yaml" });

    public override RuleDescriptor Descriptor => Rule;

    /// <summary>Rows shown in a finding at most.</summary>
    public const int MaxRows = 4;

    /// <summary>
    /// The finding for <paramref name="invariant"/>, broken when <paramref name="transformation"/> ran on
    /// the input <paramref name="input"/>, placed at the transformation's header.
    /// </summary>
    public static Finding For(Transformation transformation, Invariant invariant, string input, string detail, IReadOnlyList<SandboxRow> rows, SchemaCatalog catalog)
    {
        var shown = rows.Take(MaxRows).Select(r => "{" + string.Join(", ", r.Select(c => $"{c.Key}: {TestValues.Format(c.Value, catalog.Find(invariant.Table)?.FindColumn(c.Key)?.Type).Text}")) + "}").ToList();
        var message = $"suspected bug: {transformation.Name} breaks \"{invariant}\" for the input \"{input}\": {detail}"
            + (shown.Count == 0 ? "" : $"; rows: {string.Join("; ", shown)}{(rows.Count > shown.Count ? $" (+{rows.Count - shown.Count} more)" : "")}");
        return new Finding(Rule.Id, Rule.DefaultSeverity, message, transformation.Header, Finding.NoRelated, Finding.NoFixes)
        {
            // the transformation and the invariant: the same when lines move or the input is described differently
            Anchor = $"{transformation.Name}|{invariant}",
        };
    }

    /// <summary>
    /// The rows of <see cref="Invariant.Table"/> that break <paramref name="invariant"/>: the key groups
    /// (unique, windows) or single rows (exists) on which the check alone fails.
    /// </summary>
    public static IReadOnlyList<SandboxRow> Breaking(Invariant invariant, Func<QualifiedName, IReadOnlyList<SandboxRow>> rowsOf, SchemaCatalog catalog)
    {
        SqlType? TypeOf(QualifiedName table, string column) => catalog.Find(table)?.FindColumn(column)?.Type;
        var rows = rowsOf(invariant.Table);
        if (invariant.Kind == InvariantKind.Exists)
            return rows.Where(r => invariant.Violation(t => t == invariant.Table ? new[] { r } : rowsOf(t), TypeOf) is not null).ToList();
        return rows.GroupBy(r => string.Join("\u0001", invariant.Columns.Select(c => TestValues.Format(r.GetValueOrDefault(c), TypeOf(invariant.Table, c)).Text.ToUpperInvariant())))
            .Where(g => invariant.Violation(t => t == invariant.Table ? g.ToList() : rowsOf(t), TypeOf) is not null)
            .SelectMany(g => g).ToList();
    }
}
