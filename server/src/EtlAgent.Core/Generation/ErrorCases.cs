using EtlAgent.Core.Sandbox;

namespace EtlAgent.Core.Generation;

/// <summary>
/// Cases whose call raises an error, kept honest: an error every input hits at the same statement is
/// a gap (of the sandbox, or of the inputs) rather than behaviour worth recording, so the
/// transformation is "not testable yet"; otherwise error cases are kept only beside cases that
/// run without an error, and at most one per distinct error (number and statement, and for an error a
/// CATCH block raised, the error it handled: one handler re-raising every failure gives one final
/// error for many causes, each a behaviour of its own). An error a
/// CATCH block handled after it cut its TRY block short counts as one (<see cref="Outcome.Failed"/>):
/// a load that logs and swallows every failure has not run either.
/// </summary>
public static class ErrorCases
{
    /// <summary>Where the error was raised (file:line), or null when the sandbox does not say.</summary>
    public static string? Where(SandboxError error) =>
        error.Location is { } l ? $"{l.File}:{l.Range.Start.Line + 1}" : null;

    /// <summary>One error: its number and the statement that raised it (its message when the statement is unknown).</summary>
    public static string Key(SandboxError error) => $"{error.Number}@{Where(error) ?? error.Message}";

    /// <summary>The error every one of <paramref name="outcomes"/> stops with, when all stop with the same one at the same statement.</summary>
    public static SandboxError? Blocking(IReadOnlyList<Outcome> outcomes)
    {
        if (outcomes.Count == 0 || outcomes[0].Failed is not { } first) return null;
        var key = Key(first);
        return outcomes.All(o => o.Failed is { } e && Key(e) == key) ? first : null;
    }

    /// <summary>Whether every one of <paramref name="outcomes"/> handled <paramref name="error"/> in a CATCH block rather than stopping with it.</summary>
    public static bool Swallowed(IReadOnlyList<Outcome> outcomes, SandboxError error) =>
        outcomes.All(o => o.Error is null && o.Caught.Count > 0 && Key(o.Caught[0]) == Key(error));

    /// <summary>Why a transformation gets no tests when every input stops at <paramref name="error"/> (<paramref name="swallowed"/>: handled by a CATCH block each time).</summary>
    public static string NotTestable(SandboxError error, int inputs, bool swallowed = false) =>
        $"not testable yet: {Where(error) ?? "the call"}: every one of the {inputs} candidate inputs {(swallowed ? "fails" : "stops")} with error {error.Number} ({FirstLine(error.Message)}){(swallowed ? ", which a CATCH block handles, so no input runs the rest of its TRY block" : "")}";

    /// <summary>
    /// Why a transformation gets no tests when the sandbox refused <paramref name="refused"/> inputs and every
    /// other one stops at <paramref name="error"/>: the refusal first, since it is what stops the inputs that
    /// would run past the error.
    /// </summary>
    public static string NotTestableBehindRefusal(string refusal, int refused, SandboxError error, int inputs) =>
        $"not testable yet: {refusal} ({refused} candidate {(refused == 1 ? "input" : "inputs")}); the other {inputs} stop at {Where(error) ?? "the call"} with error {error.Number} ({FirstLine(error.Message)})";

    /// <summary>Why a transformation gets no tests when every input raises some error, though not all the same one.</summary>
    public static string OnlyErrors(IReadOnlyList<Outcome> outcomes) =>
        $"not testable yet: no candidate input runs without an error ({string.Join(", ", outcomes.Select(o => (Error: o.Failed!, Caught: o.Error is null)).GroupBy(x => Key(x.Error))
            .OrderByDescending(g => g.Count()).Take(3).Select(g => $"{g.Count()} × error {g.First().Error.Number} at {Where(g.First().Error) ?? "the call"}{InDynamicSql(g.First().Error)}{(g.First().Caught ? " (handled by CATCH)" : "")}"))})";

    /// <summary>An error in dynamic SQL says so, with its line in the text and its message: the text is built at run time, the source shows only the EXEC.</summary>
    private static string InDynamicSql(SandboxError error) =>
        error.DynamicLine is { } line ? $" (in the dynamic SQL it runs, at its line {line}: {FirstLine(error.Message)})" : "";

    /// <summary>
    /// The cases of <paramref name="selected"/> (indexes into <paramref name="outcomes"/>) to keep: all
    /// those without an error; of those with an error, none when no case runs without one, else one
    /// per distinct error (an error raised after a CATCH block handled another: per pair), the one that told most mutants apart (<paramref name="kills"/>; ties: the first).
    /// </summary>
    /// <param name="inTransaction">Per outcome, whether its call ran inside a caller's transaction: an error there is another case
    /// (the code's CATCH block may leave the caller's transaction to the caller); null: none did.</param>
    public static List<int> Keep(IReadOnlyList<int> selected, IReadOnlyList<Outcome> outcomes, IReadOnlyList<int> kills, IReadOnlyList<bool>? inTransaction = null)
    {
        bool anyClean = selected.Any(i => outcomes[i].Failed is null);
        var best = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var i in selected.OrderBy(i => i))
        {
            if (outcomes[i].Failed is not { } e) continue;
            var key = (inTransaction?[i] == true ? "in a transaction: " : "")
                + (outcomes[i].Error is null ? "caught " : outcomes[i].Caught.Count > 0 ? Key(outcomes[i].Caught[0]) + " then " : "") + Key(e);
            if (!best.TryGetValue(key, out var b) || kills[i] > kills[b]) best[key] = i;
        }
        var chosen = best.Values.ToHashSet();
        return selected.Where(i => outcomes[i].Failed is null || (anyClean && chosen.Contains(i))).ToList();
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n')[0].Trim();
        return line.Length > 160 ? line[..160] + "…" : line;
    }
}
