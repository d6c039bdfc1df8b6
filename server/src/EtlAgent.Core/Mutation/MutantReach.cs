using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Mutation;

/// <summary>
/// Which runs can tell a mutant apart: only those that ran the innermost statement holding the
/// mutated text (a change in a statement that never runs changes nothing). Runs report the
/// statements they reached (<see cref="Sandbox.ExecutionResult.Covered"/>); a mutant outside any
/// body statement (a view, an inline function, a parameter default), or a run whose coverage is
/// unknown, always counts as reached.
/// </summary>
public sealed class MutantReach
{
    private readonly string _file;
    private readonly List<(int Start, int End)> _statements = new();

    public MutantReach(TransformationAnalysis t)
    {
        _file = t.Transformation.File;
        // Procedures and scripts run statement by statement in the sandbox; views and functions may be inlined into queries.
        if (t.Transformation.Kind is not (TransformationKind.Procedure or TransformationKind.Script) || !t.HasSyntax) return;
        foreach (var s in RunStatements.Of(t.Syntax.Body)) _statements.Add((s.StartOffset, s.StartOffset + s.FragmentLength));
    }

    /// <summary>The innermost body statement holding the mutant (file, start offset), or null when there is none.</summary>
    public (string File, int Offset)? StatementOf(Mutant m)
    {
        (int Start, int End)? best = null;
        foreach (var s in _statements)
            if (s.Start <= m.Start && m.Start + m.Length <= s.End && (best is null || s.End - s.Start < best.Value.End - best.Value.Start))
                best = s;
        return best is { } b ? (_file, b.Start) : null;
    }

    /// <summary>Whether a run that reached <paramref name="covered"/> ran the mutated statement.</summary>
    public bool Reaches(Mutant m, IReadOnlySet<(string File, int Offset)>? covered) =>
        covered is null || StatementOf(m) is not { } s || covered.Contains(s);
}
