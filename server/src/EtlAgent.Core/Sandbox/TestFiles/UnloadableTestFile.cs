using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Sandbox.TestFiles;

/// <summary>ETL0101: a test file does not load, so none of its cases run (and the run fails).</summary>
public sealed class UnloadableTestFile : FindingKind
{
    public static readonly RuleDescriptor Rule = new("ETL0101", "test-file-does-not-load", "A test file does not load", Severity.Error, "Testing",
        new RuleDoc(
            "A `*.etltest.yaml` file is not valid YAML, does not follow the test file format, or names a table, column, " +
            "parameter or transformation the workspace does not have, or a value its column cannot hold. Reported at the " +
            "problem's line; none of the file's cases run until it is fixed. A file that only fell behind the schema is ETL0102.",
            """
            transformation: Dim.LoadCustomer
            cases:
              - name: a new customer
                given:
                  Staging.Customer: [{ Customer Code: C-1, Nmae: Ann }]   # no column Nmae
            """,
            """
            transformation: Dim.LoadCustomer
            cases:
              - name: a new customer
                given:
                  Staging.Customer: [{ Customer Code: C-1, Name: Ann }]
            """) { Language = "yaml" });

    public override RuleDescriptor Descriptor => Rule;

    /// <summary>The finding for a load problem (schema drift included: <see cref="SchemaDriftedTestFile"/> takes those when the caller tells them apart).</summary>
    public static Finding For(TestFileError error, string? text)
    {
        if (error.Drift is { } drift && text is not null) return SchemaDriftedTestFile.For(drift, text);
        var range = LineIndex.At(text, error.Line, error.Column);
        return new Finding(Rule.Id, Rule.DefaultSeverity, error.Message, new Location(error.File, range), Finding.NoRelated, Finding.NoFixes)
        {
            // the offending line's content: stable when lines above it move
            Anchor = text is null ? null : FindingFingerprint.Normalize(text.Substring(range.StartOffset, range.Length)),
        };
    }
}
