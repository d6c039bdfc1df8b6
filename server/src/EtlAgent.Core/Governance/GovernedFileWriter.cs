using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Governance;

/// <summary>
/// <see cref="IFileWriter"/> through the <see cref="Governor"/>: refuses a generated test file when
/// the policy says so (a <see cref="PolicyRefusedException"/>, an IOException writers already report),
/// and records every file it writes, with what kind of file it is.
/// </summary>
public sealed class GovernedFileWriter(IFileWriter inner, Governor governor) : IFileWriter
{
    internal Governor Governor { get; } = governor;

    public void WriteAllText(string path, string text)
    {
        var kind = Kind(path);
        if (kind == GeneratedTests && Governor.RefuseGeneratedTests(path) is { } refused)
            throw new PolicyRefusedException("policy.writeGeneratedTests", refused);
        inner.WriteAllText(path, text);
        Governor.Record(AuditActions.FileWritten, path, kind,
            new Dictionary<string, string> { ["bytes"] = System.Text.Encoding.UTF8.GetByteCount(text).ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    private const string GeneratedTests = "generated tests (recorded behaviour, to review)";

    private static string Kind(string path)
    {
        var p = path.Replace('\\', '/');
        if (p.EndsWith(".etltest.yaml", StringComparison.OrdinalIgnoreCase)) return GeneratedTests;
        if (p.StartsWith(".etl-agent/reports/", StringComparison.OrdinalIgnoreCase)) return "run report";
        return "written by the engine";
    }
}
