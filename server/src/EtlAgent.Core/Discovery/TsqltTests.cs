using EtlAgent.Core.Model;

namespace EtlAgent.Core.Discovery;

/// <summary>
/// The tSQLt code of a whole workspace: its test classes, each module's <see cref="TsqltRole"/>, and
/// the one-line summary `discover` and `run` print. Known only with every document read, since a class is
/// usually marked in one file and its tests live in others.
/// </summary>
public sealed class TsqltTests
{
    public static readonly TsqltTests None = new(new HashSet<string>(StringComparer.OrdinalIgnoreCase), new Dictionary<string, TsqltRole>(StringComparer.OrdinalIgnoreCase));

    private readonly IReadOnlyDictionary<string, TsqltRole> _roles;

    private TsqltTests(IReadOnlySet<string> classes, IReadOnlyDictionary<string, TsqltRole> roles)
    {
        Classes = classes;
        _roles = roles;
    }

    /// <summary>Schemas that are test classes (marked, or holding an evident test).</summary>
    public IReadOnlySet<string> Classes { get; }

    public TsqltRole RoleOf(string transformation) => _roles.TryGetValue(transformation, out var r) ? r : TsqltRole.None;

    public int Count(TsqltRole role) => _roles.Values.Count(r => r == role);

    /// <summary>Test classes that hold at least one test.</summary>
    public int ClassesWithTests => _roles.Where(r => r.Value == TsqltRole.Test).Select(r => TsqltCode.SchemaOf(r.Key))
        .Distinct(StringComparer.OrdinalIgnoreCase).Count();

    /// <summary>"existing tSQLt tests: 12 in 3 classes (…)", or null when the workspace has no tSQLt code.</summary>
    public string? Summary()
    {
        if (_roles.Count == 0) return null;
        int tests = Count(TsqltRole.Test), support = Count(TsqltRole.TestClassCode), framework = Count(TsqltRole.Framework);
        var parts = new List<string>();
        if (support > 0) parts.Add($"{support} other test-class {(support == 1 ? "module" : "modules")}");
        if (framework > 0) parts.Add($"{framework} tSQLt framework {(framework == 1 ? "module" : "modules")}");
        int classes = ClassesWithTests;
        return $"existing tSQLt tests: {tests} in {classes} {(classes == 1 ? "class" : "classes")}" +
               (parts.Count > 0 ? $" ({string.Join(", ", parts)}); none is a target for generated tests" : "; none is a target for generated tests");
    }

    /// <summary>Recognises the tSQLt code among <paramref name="transformations"/> (see <see cref="TsqltCode"/>).</summary>
    public static TsqltTests Recognise(IEnumerable<DocumentFacts> documents, IReadOnlyList<Transformation> transformations)
    {
        var classes = new HashSet<string>(documents.SelectMany(d => d.TestClasses), StringComparer.OrdinalIgnoreCase);
        foreach (var t in transformations)
            if (TsqltCode.IsEvidentTest(t)) classes.Add(TsqltCode.SchemaOf(t.Name));
        var roles = new Dictionary<string, TsqltRole>(StringComparer.OrdinalIgnoreCase);
        foreach (var t in transformations)
        {
            if (t.Kind == TransformationKind.Script) continue;
            if (TsqltCode.IsFramework(t)) roles[t.Name] = TsqltRole.Framework;
            else if (classes.Contains(TsqltCode.SchemaOf(t.Name)))
                roles[t.Name] = t.Kind == TransformationKind.Procedure && TsqltCode.IsTestName(t.Name) ? TsqltRole.Test : TsqltRole.TestClassCode;
        }
        return roles.Count == 0 && classes.Count == 0 ? None : new TsqltTests(classes, roles);
    }
}
