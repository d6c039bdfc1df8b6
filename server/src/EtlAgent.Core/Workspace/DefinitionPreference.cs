namespace EtlAgent.Core.Workspace;

/// <summary>
/// Which of several definitions of one name the analysis, the sandbox and the generated tests use.
/// Real repositories restate objects on purpose: a database project's build writes a deployment
/// script that copies every object (its `OutputPath`), migration folders keep each object's history,
/// and several database projects can each have their own object of one name. The definition a
/// person edits is the one to test: a source file before a migration, a migration before a
/// deployment script, the latest migration before older ones, and otherwise the first by path and
/// position, so the choice never depends on the order files were read or edited in.
/// </summary>
public static class DefinitionPreference
{
    /// <summary>0 for a source file, 1 for a migration script, 2 for a project's generated deployment script.</summary>
    public static int Rank(string path, DatabaseProjects projects) =>
        projects.IsBuildOutput(path) ? 2 : MigrationFolders.Contains(path) ? 1 : 0;

    /// <summary>
    /// Orders definitions of the same name, the one to use first. <paramref name="path"/> and
    /// <paramref name="offset"/> give a definition's place.
    /// </summary>
    public static IOrderedEnumerable<T> Order<T>(IEnumerable<T> definitions, Func<T, string> path, Func<T, int> offset, DatabaseProjects projects) =>
        definitions
            .OrderBy(d => Rank(path(d), projects))
            // among migrations the last one is the object's current shape
            .ThenByDescending(d => Rank(path(d), projects) == 1 ? path(d) : "", StringComparer.Ordinal)
            .ThenByDescending(d => Rank(path(d), projects) == 1 ? offset(d) : 0)
            .ThenBy(d => path(d), StringComparer.Ordinal)
            .ThenBy(offset);
}
