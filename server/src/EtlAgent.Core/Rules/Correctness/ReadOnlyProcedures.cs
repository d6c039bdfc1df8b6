using System.Text.RegularExpressions;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// Procedures of the workspace that write no table, following their calls across files: a procedure
/// writes nothing when it writes no table itself, runs no dynamic SQL, and every procedure it calls is
/// defined in the workspace and writes nothing either (a name defined in several database projects
/// counts when every definition does). A system procedure, one of another database or an unknown one
/// could write anything.
/// </summary>
public sealed class ReadOnlyProcedures
{
    private readonly Dictionary<string, List<TransformationAnalysis>> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, bool> _decided = new(StringComparer.OrdinalIgnoreCase);

    public ReadOnlyProcedures(IEnumerable<TransformationAnalysis> transformations)
    {
        foreach (var t in transformations)
        {
            if (t.Transformation.Kind != TransformationKind.Procedure || !QualifiedName.TryParse(t.Transformation.Name, out var name)) continue;
            var key = name.ToString();
            if (!_byName.TryGetValue(key, out var list)) _byName[key] = list = new List<TransformationAnalysis>();
            list.Add(t);
        }
    }

    public bool WritesNothing(QualifiedName procedure) => WritesNothing(procedure, new HashSet<string>(StringComparer.OrdinalIgnoreCase));

    private bool WritesNothing(QualifiedName procedure, HashSet<string> visiting)
    {
        if (procedure.Database is not null) return false;
        var key = procedure.ToString();
        if (_decided.TryGetValue(key, out var known)) return known;
        if (!_byName.TryGetValue(key, out var definitions)) return false;
        if (!visiting.Add(key)) return true; // recursion: decided by the rest of the cycle
        bool result = definitions.All(t => t.Transformation.Writes.Count == 0 && !RunsDynamicSql(t) &&
                                           t.Transformation.Calls.All(c => WritesNothing(c, visiting)));
        visiting.Remove(key);
        _decided[key] = result;
        return result;
    }

    // EXEC (@sql), EXEC sp_executesql, or EXEC @procedureName (a name only known at run time; `EXEC @rc = p` is a return code)
    private static readonly Regex DynamicSql = new(@"\bEXEC(UTE)?\s*\(|\bsp_executesql\b|\bEXEC(UTE)?\s+@\w+(?!\w)\s*(?![\s=])",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>Read from the body's text: the syntax tree may have been dropped by the time the whole workspace is known.</summary>
    public static bool RunsDynamicSql(TransformationAnalysis t) => RunsDynamicSql(t.Document.Text, t.Transformation.BodyRange);

    /// <summary>Whether the body in <paramref name="range"/> of <paramref name="text"/> runs dynamic SQL (true when the range is not in the text).</summary>
    public static bool RunsDynamicSql(string text, TextRange range)
    {
        if (range.StartOffset < 0 || range.EndOffset > text.Length || range.Length <= 0) return true;
        return DynamicSql.IsMatch(text.AsSpan(range.StartOffset, range.Length).ToString());
    }
}
