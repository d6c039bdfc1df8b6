using System.Text.Json;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Tests.Healing;

/// <summary>
/// tests/fixtures/healing with one of the changes of test-seeds.json applied: a schema or procedure
/// change that breaks the tests rather than the code. A "generated" seed starts from a test file
/// generated on the original code (recorded behaviour) in place of the hand-written one.
/// </summary>
public static class TestSideFixture
{
    public sealed record Seed(string Name, string Class, bool Generated, IReadOnlyList<(string File, string Find, string Replace)> Edits);

    public const string HandWritten = "tests/Fact.LoadSale.etltest.yaml";
    public const string GeneratedPath = "tests/etl/Fact.LoadSale.etltest.yaml";

    public static IReadOnlyList<Seed> Seeds()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Fixture("healing"), "test-seeds.json")));
        return doc.RootElement.GetProperty("seeds").EnumerateArray().Select(s =>
        {
            var file = s.GetProperty("file").GetString()!;
            var edits = new List<(string, string, string)> { (file, s.GetProperty("find").GetString()!, s.GetProperty("replace").GetString()!) };
            if (s.TryGetProperty("also", out var also))
                edits.Add((also.TryGetProperty("file", out var f) ? f.GetString()! : file, also.GetProperty("find").GetString()!, also.GetProperty("replace").GetString()!));
            return new Seed(s.GetProperty("name").GetString()!, s.GetProperty("class").GetString()!, s.GetProperty("generated").GetBoolean(), edits);
        }).ToList();
    }

    public static IEnumerable<object[]> Names(string healClass) => Seeds().Where(s => s.Class == healClass).Select(s => new object[] { s.Name });

    /// <summary>The fixture with <paramref name="seed"/>'s change applied (after generating the tests on the original, for a generated seed).</summary>
    public static async Task<MemoryFileSource> FilesAsync(string seed)
    {
        var s = Seeds().Single(x => x.Name == seed);
        var files = HealingFixture.Files();
        if (s.Generated)
        {
            var engine = HealingFixture.Engine(files);
            var analysis = engine.Analyze();
            var generated = await engine.Generator(analysis, engine.Analyzer(), new GenerationOptions { UseMutants = false, Cap = TimeSpan.Zero }).GenerateAsync("Fact.LoadSale", GeneratedPath);
            Assert.NotNull(generated.Text);
            files = new MemoryFileSource().AddAll(files, f => f != HandWritten).Add(GeneratedPath, generated.Text!);
        }
        foreach (var (file, find, replace) in s.Edits)
        {
            var text = files.ReadAllText(file);
            Assert.Contains(find, text);
            files.Add(file, text.Replace(find, replace, StringComparison.Ordinal));
        }
        return files;
    }
}
