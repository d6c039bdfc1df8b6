using EtlAgent.Core.Generation;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>The one function that turns an object name into a file name, and the workspace writer's real-path check.</summary>
public class FileStemTests
{
    [Theory]
    [InlineData("Dim.LoadCustomer", "Dim.LoadCustomer")]
    [InlineData("Integration.Load Watermark", "Integration.Load Watermark")]
    [InlineData("dbo.../../../escaped-1", "dbo...%2F..%2F..%2Fescaped-1")]
    [InlineData("../x.y", "%2E.%2Fx.y")]
    [InlineData("dbo.a\\b", "dbo.a%5Cb")]
    [InlineData("dbo.a:b*c?d\"e<f>g|h", "dbo.a%3Ab%2Ac%3Fd%22e%3Cf%3Eg%7Ch")]
    [InlineData("dbo.100%", "dbo.100%25")]
    [InlineData("dbo.new\nline", "dbo.new%0Aline")]
    [InlineData("CON.Load", "%43ON.Load")]
    [InlineData("com1.Load", "%63om1.Load")]
    [InlineData("Console.Load", "Console.Load")]
    [InlineData("dbo.trailing. ", "dbo.trailing.%20")]
    [InlineData("etl/load.sql", "etl%2Fload.sql")]
    public void Object_names_become_one_safe_file_name(string name, string stem) =>
        Assert.Equal(stem, GeneratedTestFiles.FileStem(name));

    [Fact]
    public void Long_names_are_cut_with_a_stable_hash_and_stay_distinct()
    {
        var a = "dbo." + new string('x', 300) + "a";
        var b = "dbo." + new string('x', 300) + "b";
        var sa = GeneratedTestFiles.FileStem(a);
        Assert.True(sa.Length <= 120, sa);
        Assert.Equal(sa, GeneratedTestFiles.FileStem(a));
        Assert.NotEqual(sa, GeneratedTestFiles.FileStem(b));
        Assert.Matches("~[0-9a-f]{12}$", sa);
        var escapes = GeneratedTestFiles.FileStem("dbo." + string.Concat(Enumerable.Repeat("/", 100)));
        Assert.Matches("^(dbo\\.(%2F)*)~[0-9a-f]{12}$", escapes); // never an escape cut in half
    }

    [Fact]
    public void Distinct_names_never_share_a_file()
    {
        var names = new[] { "dbo.a/b", "dbo.a%2Fb", "dbo.a_b", "dbo.a\\b", "dbo.a:b", "dbo.a%b", "dbo.a%25b" };
        Assert.Equal(names.Length, names.Select(GeneratedTestFiles.FileStem).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void The_writer_follows_links_and_refuses_a_real_path_outside_the_workspace()
    {
        var scratch = Path.Combine(Path.GetTempPath(), "etlagent-write-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var ws = Path.Combine(scratch, "ws");
            var outside = Path.Combine(scratch, "outside");
            Directory.CreateDirectory(Path.Combine(ws, "inner"));
            Directory.CreateDirectory(outside);
            Directory.CreateSymbolicLink(Path.Combine(ws, "out"), outside);                    // a folder link out
            Directory.CreateSymbolicLink(Path.Combine(ws, "in"), Path.Combine(ws, "inner"));   // a folder link that stays in
            File.CreateSymbolicLink(Path.Combine(ws, "file.yaml"), Path.Combine(outside, "f.yaml")); // a dangling file link out
            var writer = new PhysicalFileSource(ws);

            foreach (var path in new[] { "out/x.yaml", "out/deeper/x.yaml", "file.yaml", "../outside/x.yaml", "inner/../../outside/x.yaml" })
            {
                var e = Assert.Throws<OutsideWorkspaceException>(() => writer.WriteAllText(path, "x"));
                Assert.StartsWith($"{path}: outside the workspace", e.Message);
            }
            Assert.Empty(Directory.EnumerateFileSystemEntries(outside));

            writer.WriteAllText("in/x.yaml", "kept");
            Assert.Equal("kept", File.ReadAllText(Path.Combine(ws, "inner", "x.yaml")));
            writer.WriteAllText("new/folder/y.yaml", "y");
            Assert.True(File.Exists(Path.Combine(ws, "new", "folder", "y.yaml")));

            // a workspace reached through a link is still itself
            var linkedRoot = Path.Combine(scratch, "ws-link");
            Directory.CreateSymbolicLink(linkedRoot, ws);
            new PhysicalFileSource(linkedRoot).WriteAllText("inner/z.yaml", "z");
            Assert.True(File.Exists(Path.Combine(ws, "inner", "z.yaml")));
        }
        finally { Directory.Delete(scratch, recursive: true); }
    }
}
