using System.Text.RegularExpressions;

namespace EtlAgent.Core.Tests;

/// <summary>
/// The layering stated in docs/ARCHITECTURE.md, checked against the code: the "Layers" table
/// gives the order of the Core folders, and a folder may import only the folders above it in that
/// table. Imports are read from the source (using directives and qualified names), so the test
/// needs no build of a dependency graph and names the file that breaks a rule.
/// </summary>
public sealed partial class ArchitectureTests
{
    private static readonly string Src = Path.Combine(TestPaths.RepoRoot, "server", "src");
    private static readonly string Core = Path.Combine(Src, "EtlAgent.Core");

    /// <summary>Implementations of Ports/ for the real machine: disk, clock, environment.</summary>
    private static readonly HashSet<string> HostAdapters = new(StringComparer.Ordinal)
    {
        "Workspace/PhysicalFileSource.cs", "Workspace/SystemClock.cs", "Workspace/ProcessEnvironment.cs",
        // the audit trail's file: opened exclusively for each append, so concurrent processes keep one chain
        "Workspace/LockedAppendFile.cs",
        // git, run as a process: the files changed since a revision and their text there (--changed-since)
        "Workspace/GitRepository.cs",
        // S3 through AWSSDK.S3: where `run --upload` sends the reports
        "Workspace/S3ObjectStore.cs",
        // the memory's database file: created (with its folder) on the first write, never read before it exists
        "Memory/SqliteMemoryStore.cs",
    };

    private sealed record SourceFile(string Path, string Namespace, string Text, string Code);

    private static readonly Lazy<IReadOnlyList<SourceFile>> CoreFiles = new(() => Read(Core));

    private static IReadOnlyList<SourceFile> Read(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{System.IO.Path.DirectorySeparatorChar}obj{System.IO.Path.DirectorySeparatorChar}") &&
                        !p.Contains($"{System.IO.Path.DirectorySeparatorChar}bin{System.IO.Path.DirectorySeparatorChar}"))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p =>
            {
                var text = File.ReadAllText(p);
                var ns = NamespaceDecl().Match(text) is { Success: true } m ? m.Groups[1].Value : "";
                var code = CommentsAndStrings().Replace(text, " ");
                return new SourceFile(p, ns, text, code);
            })
            .ToList();

    /// <summary>The Core folders in layer order, read from the documentation's "Layers" table.</summary>
    private static IReadOnlyList<string> DocumentedOrder()
    {
        var doc = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "ARCHITECTURE.md"));
        int start = doc.IndexOf("## Layers", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/ARCHITECTURE.md has no \"## Layers\" section");
        int end = doc.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        var section = end < 0 ? doc[start..] : doc[start..end];
        var order = new List<string>();
        foreach (var line in section.Split('\n'))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length < 4 || cells[1] is "" or "Layer" || cells[1].StartsWith("---", StringComparison.Ordinal)) continue;
            order.AddRange(FolderNames().Matches(cells[2]).Select(m => m.Groups[1].Value));
        }
        return order;
    }

    private static string TopFolder(string ns) => ns.StartsWith("EtlAgent.Core.", StringComparison.Ordinal) ? ns["EtlAgent.Core.".Length..].Split('.')[0] : "";

    /// <summary>Type names declared per namespace, to tell a qualified type name from a property of the same name.</summary>
    private static Dictionary<string, HashSet<string>> TypesByNamespace(IEnumerable<SourceFile> files)
    {
        var map = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            if (!map.TryGetValue(f.Namespace, out var set)) map[f.Namespace] = set = new HashSet<string>(StringComparer.Ordinal);
            foreach (Match m in TypeDecl().Matches(f.Code)) set.Add(m.Groups[1].Value);
        }
        return map;
    }

    /// <summary>The Core namespaces a file refers to: using directives, and names qualified by a namespace.</summary>
    private static HashSet<string> Imports(SourceFile f, Dictionary<string, HashSet<string>> types)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in UsingDirective().Matches(f.Text))
        {
            var target = m.Groups["ns"].Value;
            // `using static N.Type;` names a type: the import is its namespace.
            while (!types.ContainsKey(target) && target.Contains('.')) target = target[..target.LastIndexOf('.')];
            result.Add(target);
        }
        foreach (Match m in QualifiedName().Matches(f.Code))
        {
            var parts = m.Value.Split('.');
            int skip = parts[0] == "EtlAgent" ? 2 : 0;
            if (skip == 2 && (parts.Length < 3 || parts[1] != "Core")) continue;
            // The longest namespace prefix followed by a type declared in it.
            for (int n = parts.Length - 1; n > skip; n--)
            {
                var ns = "EtlAgent.Core." + string.Join('.', parts[skip..n]);
                if (types.TryGetValue(ns, out var declared) && declared.Contains(parts[n])) { result.Add(ns); break; }
            }
        }
        result.Remove(f.Namespace);
        result.RemoveWhere(ns => !ns.StartsWith("EtlAgent.Core.", StringComparison.Ordinal));
        return result;
    }

    [Fact]
    public void Every_core_folder_has_a_place_in_the_documented_layers()
    {
        var order = DocumentedOrder();
        var folders = Directory.GetDirectories(Core).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj")).ToList();
        Assert.Empty(folders.Except(order).Select(f => $"{f}: not in the Layers table of docs/ARCHITECTURE.md"));
        Assert.Empty(order.Except(folders!).Select(f => $"{f}: in the Layers table but not a folder of EtlAgent.Core"));
        Assert.Empty(order.GroupBy(f => f).Where(g => g.Count() > 1).Select(g => $"{g.Key}: listed twice"));
    }

    [Fact]
    public void Namespaces_follow_folders()
    {
        var wrong = CoreFiles.Value
            .Select(f => (f, expected: "EtlAgent.Core." + string.Join('.', Path.GetRelativePath(Core, Path.GetDirectoryName(f.Path)!).Split(Path.DirectorySeparatorChar))))
            // Parts of a partial class may sit in a subfolder of their class (the interpreter's executors).
            .Where(x => x.f.Namespace != x.expected && !(x.expected.StartsWith(x.f.Namespace + ".", StringComparison.Ordinal) && PartialPart().IsMatch(x.f.Code)))
            .Select(x => $"{Path.GetRelativePath(Src, x.f.Path)}: namespace {x.f.Namespace}, expected {x.expected}");
        Assert.Empty(wrong);
    }

    [Fact]
    public void No_core_folder_imports_a_folder_above_it()
    {
        var order = DocumentedOrder().ToList();
        var types = TypesByNamespace(CoreFiles.Value);
        var upward = new List<string>();
        foreach (var f in CoreFiles.Value)
        {
            var from = TopFolder(f.Namespace);
            int rank = order.IndexOf(from);
            foreach (var target in Imports(f, types))
            {
                var to = TopFolder(target);
                if (to != from && order.IndexOf(to) > rank)
                    upward.Add($"{Path.GetRelativePath(Src, f.Path)}: {from} imports {target}, a layer above it");
            }
        }
        Assert.Empty(upward);
    }

    [Fact]
    public void Core_namespaces_form_no_cycle()
    {
        var types = TypesByNamespace(CoreFiles.Value);
        var edges = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var f in CoreFiles.Value)
        {
            if (!edges.TryGetValue(f.Namespace, out var set)) edges[f.Namespace] = set = new HashSet<string>(StringComparer.Ordinal);
            set.UnionWith(Imports(f, types));
        }
        var cycles = StronglyConnected(edges).Where(c => c.Count > 1).Select(c => "cycle: " + string.Join(" <-> ", c.Order()));
        Assert.Empty(cycles);
    }

    [Fact]
    public void Core_reads_no_clock_environment_console_or_disk_but_through_ports()
    {
        var offending = new List<string>();
        foreach (var f in CoreFiles.Value)
        {
            var rel = Path.GetRelativePath(Core, f.Path).Replace('\\', '/');
            // The host adapters of the ports are the one place each kind of IO happens.
            if (HostAdapters.Contains(rel)) continue;
            foreach (Match m in ForbiddenIo().Matches(f.Code)) offending.Add($"{rel}: {m.Value}");
        }
        Assert.Empty(offending);
    }

    [Fact]
    public void Core_keeps_no_process_wide_mutable_state()
    {
        var offending = CoreFiles.Value
            .SelectMany(f => MutableStatic().Matches(f.Code).Select(m => $"{Path.GetRelativePath(Core, f.Path)}: {m.Value.Trim()}"))
            .ToList();
        Assert.Empty(offending);
    }

    [Fact]
    public void The_doors_translate_only()
    {
        // The CLI and the language server hold no analysis: they reach the parser, the sandbox
        // engine and the YAML model only through EtlAgent.Core.
        var doors = Read(Path.Combine(Src, "EtlAgent.Cli")).Concat(Read(Path.Combine(Src, "EtlAgent.LanguageServer")));
        var offending = doors
            .SelectMany(f => EngineLibraries().Matches(f.Text).Select(m => $"{Path.GetRelativePath(Src, f.Path)}: {m.Value}"))
            .ToList();
        Assert.Empty(offending);
    }

    [Fact]
    public void Core_files_are_named_after_a_type_they_declare()
    {
        // Class.Part.cs holds a part of a partial class Class
        var unnamed = CoreFiles.Value
            .Where(f => !TypeDecl().Matches(f.Code).Select(m => m.Groups[1].Success && m.Groups[1].Value.Length > 0 ? m.Groups[1].Value : m.Groups[2].Value)
                .Contains(Path.GetFileName(f.Path).Split('.')[0]))
            .Select(f => Path.GetRelativePath(Core, f.Path));
        Assert.Empty(unnamed);
    }

    [Fact]
    public void No_source_file_is_a_maze()
    {
        // a room a newcomer can read: split by concept well before this
        const int Limit = 650;
        var long_ = Directory.EnumerateFiles(Src, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(p => (p, lines: File.ReadLines(p).Count()))
            .Where(x => x.lines > Limit)
            .Select(x => $"{Path.GetRelativePath(Src, x.p)}: {x.lines} lines");
        Assert.Empty(long_);
    }

    [Fact]
    public void Model_and_ports_know_no_parser()
    {
        // a second source kind (SSIS, C#) must be able to produce the model without ScriptDom
        var offending = CoreFiles.Value
            .Where(f => TopFolder(f.Namespace) is "Model" or "Ports" && f.Text.Contains("Microsoft.SqlServer.TransactSql.ScriptDom", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Core, f.Path));
        Assert.Empty(offending);
    }

    [Fact]
    public void The_checks_see_a_violation()
    {
        // The import reader must see each form of reference the layer check relies on.
        var types = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)
        {
            ["EtlAgent.Core.Agent"] = new() { "FullRun" },
            ["EtlAgent.Core.Rules"] = new() { "RuleFailure" },
            ["EtlAgent.Core.Translation"] = new() { "SqlText" },
            ["EtlAgent.Core.Model"] = new() { "Finding" },
        };
        var text = "using EtlAgent.Core.Model;\nusing static EtlAgent.Core.Translation.SqlText;\nnamespace EtlAgent.Core.Catalog;\n" +
                   "class C { object a = new Rules.RuleFailure(); object b = EtlAgent.Core.Agent.FullRun.X; object c = x.Agent.Foo; // Agent.FullRun in a comment\n}";
        var f = new SourceFile("C.cs", "EtlAgent.Core.Catalog", text, CommentsAndStrings().Replace(text, " "));
        Assert.Equal(new[] { "EtlAgent.Core.Agent", "EtlAgent.Core.Model", "EtlAgent.Core.Rules", "EtlAgent.Core.Translation" }, Imports(f, types).Order());
        Assert.True(MutableStatic().IsMatch("  private static int _next;"));
        Assert.True(MutableStatic().IsMatch("  internal static bool Enabled { get; set; } = true;"));
        Assert.False(MutableStatic().IsMatch("  private static readonly int Max = 3;"));
        Assert.True(ForbiddenIo().IsMatch("var t = DateTime.Today;"));
        Assert.Single(StronglyConnected(new() { ["a"] = new() { "b" }, ["b"] = new() { "a" } }).Where(c => c.Count > 1));
    }

    private static List<List<string>> StronglyConnected(Dictionary<string, HashSet<string>> edges)
    {
        var index = new Dictionary<string, int>(); var low = new Dictionary<string, int>();
        var stack = new Stack<string>(); var onStack = new HashSet<string>(); var result = new List<List<string>>();
        int counter = 0;
        void Visit(string v)
        {
            index[v] = low[v] = counter++; stack.Push(v); onStack.Add(v);
            foreach (var w in edges.GetValueOrDefault(v) ?? new HashSet<string>())
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            result.Add(component);
        }
        foreach (var v in edges.Keys.ToList()) if (!index.ContainsKey(v)) Visit(v);
        return result;
    }

    [GeneratedRegex(@"^namespace\s+([\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDecl();

    [GeneratedRegex(@"^using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?<ns>EtlAgent\.Core(?:\.\w+)*)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|""(?:\\.|[^""\\\n])*""", RegexOptions.Singleline)]
    private static partial Regex CommentsAndStrings();

    [GeneratedRegex(@"\b(?:class|record(?:\s+(?:struct|class))?|struct|interface|enum)\s+(\w+)|\bdelegate\s+[\w<>\[\],.? ]+?\s+(\w+)\s*\(")]
    private static partial Regex TypeDecl();

    [GeneratedRegex(@"(?<![\w.])(?:EtlAgent\.Core\.)?[A-Z]\w*(?:\.[A-Z]\w*)+")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"^(?:\w+\s+)*partial\s+class\s+\w+", RegexOptions.Multiline)]
    private static partial Regex PartialPart();

    [GeneratedRegex(@"`([A-Za-z]+)`")]
    private static partial Regex FolderNames();

    [GeneratedRegex(@"\bDateTime(?:Offset)?\.(?:Now|UtcNow|Today)\b|\bEnvironment\.(?:GetEnvironmentVariable|SetEnvironmentVariable|CurrentDirectory|Exit)\b|\bConsole\.\w+|\b(?:File|Directory)\.\w+\(")]
    private static partial Regex ForbiddenIo();

    [GeneratedRegex(@"^[ \t]*(?:(?:public|internal|private|protected)\s+)*static\s+(?![^\n]*\boperator\b)(?!readonly\b|class\b|partial\b|async\b|extern\b|void\b|implicit\b|explicit\b|operator\b)(?:[\w<>\[\],.?]+\s+)+\w+\s*(?:=(?!>)|;|\{\s*get;\s*(?:private\s+|internal\s+)?set;)", RegexOptions.Multiline)]
    private static partial Regex MutableStatic();

    [GeneratedRegex(@"^using\s+(?:Microsoft\.SqlServer\.TransactSql\.ScriptDom|DuckDB\.NET[\w.]*|YamlDotNet[\w.]*)\s*;", RegexOptions.Multiline)]
    private static partial Regex EngineLibraries();
}
