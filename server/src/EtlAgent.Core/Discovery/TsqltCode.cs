using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Discovery;

/// <summary>
/// Recognises tSQLt in a workspace: the framework installed into the project (schema tSQLt), the
/// schemas marked as test classes (`EXEC tSQLt.NewTestClass 'X'` or the extended property
/// `tSQLt.TestClass` on schema X, as SSDT projects declare them), and the tests in them (procedures
/// named test…). A procedure named test… that calls tSQLt marks its schema as a test class too,
/// for projects whose class is created by a script outside the workspace. One recogniser for the
/// rules, the generator's targets and the reports.
/// </summary>
public static class TsqltCode
{
    public const string FrameworkSchema = "tSQLt";

    /// <summary>The schema of a module named "Schema.Name" (a procedure's own name may hold dots: `[T].[test a.b]`).</summary>
    public static string SchemaOf(string name)
    {
        int dot = name.IndexOf('.');
        return dot < 0 ? "dbo" : name[..dot];
    }

    /// <summary>The name within the schema (see <see cref="SchemaOf"/>).</summary>
    public static string LocalName(string name)
    {
        int dot = name.IndexOf('.');
        return dot < 0 ? name : name[(dot + 1)..];
    }

    /// <summary>tSQLt's own procedures, views and functions.</summary>
    public static bool IsFramework(Transformation t) =>
        t.Kind != TransformationKind.Script && string.Equals(SchemaOf(t.Name), FrameworkSchema, StringComparison.OrdinalIgnoreCase);

    /// <summary>tSQLt runs the procedures of a test class whose names start with "test".</summary>
    public static bool IsTestName(string name) => LocalName(name).StartsWith("test", StringComparison.OrdinalIgnoreCase);

    /// <summary>A procedure named test… that calls tSQLt (FakeTable, AssertEqualsTable, Fail…): a test, wherever its class is declared.</summary>
    public static bool IsEvidentTest(Transformation t) =>
        t.Kind == TransformationKind.Procedure && !IsFramework(t) && IsTestName(t.Name) &&
        t.Calls.Any(c => string.Equals(c.Schema, FrameworkSchema, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The schema an EXEC statement marks as a test class, or null: `tSQLt.NewTestClass 'X'`
    /// (or @ClassName = 'X') and `sp_addextendedproperty @name = 'tSQLt.TestClass', …, @level0name = 'X'`.
    /// </summary>
    public static string? TestClassMarkedBy(ExecuteStatement exec)
    {
        if (exec.ExecuteSpecification?.ExecutableEntity is not ExecutableProcedureReference { ProcedureReference.ProcedureReference.Name: { } proc } call) return null;
        var procedure = proc.BaseIdentifier?.Value;
        string? Argument(string name, int position)
        {
            for (int i = 0; i < call.Parameters.Count; i++)
            {
                var p = call.Parameters[i];
                bool match = p.Variable is null ? i == position : string.Equals(p.Variable.Name.TrimStart('@'), name, StringComparison.OrdinalIgnoreCase);
                if (match) return p.ParameterValue is StringLiteral literal ? literal.Value : null;
            }
            return null;
        }
        if (string.Equals(procedure, "NewTestClass", StringComparison.OrdinalIgnoreCase) &&
            string.Equals(proc.SchemaIdentifier?.Value, FrameworkSchema, StringComparison.OrdinalIgnoreCase))
            return Clean(Argument("ClassName", 0));
        if (string.Equals(procedure, "sp_addextendedproperty", StringComparison.OrdinalIgnoreCase) &&
            string.Equals(Argument("name", 0), "tSQLt.TestClass", StringComparison.OrdinalIgnoreCase) &&
            string.Equals(Argument("level0type", 2), "SCHEMA", StringComparison.OrdinalIgnoreCase))
            return Clean(Argument("level0name", 3));
        return null;
    }

    private static string? Clean(string? schema)
    {
        var s = schema?.Trim();
        if (string.IsNullOrEmpty(s)) return null;
        return s.StartsWith('[') && s.EndsWith(']') ? s[1..^1].Replace("]]", "]") : s;
    }
}
