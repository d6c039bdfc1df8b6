using EtlAgent.Core.Healing;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Agent;

/// <summary>
/// The test-side heals a heal run adds beside the search's: given rows a new constraint rejects
/// (<see cref="GivenRowsAdjuster"/>), and a generated test file that no longer loads or fits its
/// procedure, generated again (<see cref="TestRegenerator"/>). Each is verified in the sandbox by
/// the class that makes it; a sandbox that fails on one costs only that heal.
/// </summary>
internal sealed class TestFileHeals(Engine engine, WorkspaceAnalysis analysis, Func<string, string?> readText)
{
    private GivenRowsAdjuster Adjuster => new(analysis, engine.Sandboxes.Create) { Today = engine.Clock.Today };

    private TestRegenerator Regenerator => new(analysis, engine.Analyzer(retainSyntax: true), engine.Sandboxes.Create);

    /// <summary>The heals of one transformation's run: its cases whose given rows were refused, its files that no longer fit the procedure.</summary>
    public async Task<IReadOnlyList<HealSuggestion>> ForRunAsync(IReadOnlyList<TestCaseResult> cases, CancellationToken cancellationToken)
    {
        var result = new List<HealSuggestion>();
        foreach (var c in cases.Where(GivenRowsAdjuster.Rejected))
        {
            if (readText(c.File.Path) is not { } text) continue;
            var of = cases.Where(x => x.File.Path == c.File.Path).ToList();
            if (await Safely(() => Adjuster.ForCaseAsync(c, text, of, cancellationToken)).ConfigureAwait(false) is { } heal) result.Add(heal);
        }
        foreach (var file in cases.GroupBy(c => c.File.Path))
        {
            if (TestRegenerator.Misfit(file.ToList()) is not { } why || readText(file.Key) is not { } text) continue;
            if (await Safely(() => Regenerator.RegenerateAsync(file.Key, text, why, cancellationToken)).ConfigureAwait(false) is { } heal) result.Add(heal);
        }
        return result;
    }

    /// <summary>Test files that do not load because their given rows fell behind the schema: those rows adjusted, nothing else.</summary>
    public async Task<IReadOnlyList<HealSuggestion>> ForDriftAsync(IReadOnlyDictionary<string, IReadOnlyList<TestFileError>> broken, CancellationToken cancellationToken)
    {
        var result = new List<HealSuggestion>();
        foreach (var (path, errors) in broken)
        {
            if (!errors.Any(e => e.Drift is not null) || readText(path) is not { } text) continue;
            if (await Safely(() => Adjuster.ForDriftAsync(path, text, cancellationToken)).ConfigureAwait(false) is { } heal) result.Add(heal);
        }
        return result;
    }

    /// <summary>Generated test files that do not load: generated again for the current code.</summary>
    public async Task<IReadOnlyList<HealSuggestion>> RegenerateAsync(IReadOnlyDictionary<string, IReadOnlyList<TestFileError>> broken, CancellationToken cancellationToken)
    {
        var result = new List<HealSuggestion>();
        foreach (var (path, errors) in broken)
        {
            if (readText(path) is not { } text || !Generation.GeneratedTestFiles.IsRecorded(text)) continue;
            if (await Safely(() => Regenerator.RegenerateAsync(path, text, TestRegenerator.Unloadable(errors), cancellationToken)).ConfigureAwait(false) is { } heal) result.Add(heal);
        }
        return result;
    }

    /// <summary>A heal that cannot be made (the sandbox refuses the schema, the generator fails) is not offered; cancellation still stops the run.</summary>
    private static async Task<HealSuggestion?> Safely(Func<Task<HealSuggestion?>> make)
    {
        try { return await make().ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException && !Model.InternalErrorException.IsDefect(e)) { return null; }
    }
}
