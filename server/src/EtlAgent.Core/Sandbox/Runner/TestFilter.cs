using System.Text.RegularExpressions;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Sandbox.Runner;

/// <summary>
/// `test --filter`: a glob (* any text, ? one character), whole-string and case-insensitive,
/// matched against file paths, transformation names and case names ("T › case" or "T/case").
/// </summary>
public sealed class TestFilter(string glob)
{
    private readonly Regex _regex = new("^" + Regex.Escape(glob).Replace(@"\*", ".*").Replace(@"\?", ".") + "$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    public string Glob { get; } = glob;

    public bool IsMatch(string text) => _regex.IsMatch(text);

    public bool Selects(TestFile file, TestCase c) => Selects(file.Path, file.Transformation, c.Name);

    /// <summary>
    /// Whether the filter can select anything of a file that did not load, judged by its path and
    /// <see cref="TestFileOutline"/>: a file it leaves out does not stop the tests it selects.
    /// </summary>
    public bool MaySelect(string path, TestFileOutline? outline)
    {
        if (IsMatch(path)) return true;
        if (outline is null) return false;
        var transformation = outline.DisplayName ?? "";
        return (transformation.Length > 0 && IsMatch(transformation)) || outline.CaseNames.Any(c => Selects(path, transformation, c));
    }

    private bool Selects(string path, string transformation, string caseName) =>
        IsMatch(path) || IsMatch(transformation) || IsMatch(caseName) ||
        IsMatch($"{transformation} › {caseName}") || IsMatch($"{transformation}/{caseName}");
}
