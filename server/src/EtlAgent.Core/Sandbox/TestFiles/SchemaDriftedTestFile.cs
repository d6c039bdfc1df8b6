using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Sandbox.TestFiles;

/// <summary>ETL0102: a test file is out of date with the schema (a column it uses was dropped, renamed, retyped, shortened, or a new NOT NULL column needs a value).</summary>
public sealed class SchemaDriftedTestFile : FindingKind
{
    /// <summary>The quick fix the editor offers (computed on demand: it re-records expectations in the sandbox).</summary>
    public const string FixTitle = "Update test to the new schema";

    public static readonly RuleDescriptor Rule = new("ETL0102", "test-file-out-of-date-with-schema", "A test file is out of date with the schema", Severity.Error, "Testing",
        new RuleDoc(
            "The tables a test file fills or checks changed since it was written: a column was dropped, renamed, retyped or " +
            "shortened, or a NOT NULL column without a default was added. The file does not load until it is updated. The quick fix " +
            "\"" + FixTitle + "\" renames and drops the columns in the rows, fills new required columns with generated values, " +
            "cuts or replaces values that no longer fit, and re-records the expectations by running the transformation in the sandbox.",
            """
            # Dim.Customer's [Name] was renamed to [Customer Name]
            transformation: Dim.LoadCustomer
            cases:
              - name: a new customer
                expect:
                  Dim.Customer:
                    rows: [{ Customer Code: C-1, Name: Ann }]
            """,
            """
            transformation: Dim.LoadCustomer
            cases:
              - name: a new customer
                expect:
                  Dim.Customer:
                    rows: [{ Customer Code: C-1, Customer Name: Ann }]
            """) { Language = "yaml" });

    public override RuleDescriptor Descriptor => Rule;

    public static Finding For(SchemaChange change, string text) =>
        new(Rule.Id, Rule.DefaultSeverity, change.Message, new Location(change.File, LineIndex.At(text, change.Line, change.Column)), Finding.NoRelated, Finding.NoFixes)
        {
            // the change itself: the same wherever the row sits in the file
            Anchor = $"{change.Kind}|{change.Table}|{change.ColumnName}|{change.NewColumnName}",
        };
}
