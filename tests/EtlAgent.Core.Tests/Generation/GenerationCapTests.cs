using EtlAgent.Core.Generation;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// The per-transformation cap and the order candidates run in: the cap measured by an injected
/// stopwatch (no timed test), the informative order and the stop after candidates that add nothing.
/// </summary>
public class GenerationCapTests
{
    /// <summary>A stopwatch that reads one second later each time it is read.</summary>
    private sealed class SteppingStopwatch : IStopwatch
    {
        private long _reads;
        public TimeSpan Elapsed => TimeSpan.FromSeconds(Interlocked.Increment(ref _reads));
    }

    /// <summary>A stopwatch that reads what the test set.</summary>
    private sealed class ManualStopwatch : IStopwatch
    {
        public TimeSpan Elapsed { get; set; }
    }

    private static Scenario Candidate(string description, bool structural = false) => new() { Description = description, Structural = structural };

    [Fact]
    public void Base_inputs_run_first_then_one_variation_of_each_family_before_a_second_of_any()
    {
        var candidates = new[]
        {
            Candidate("empty input", structural: true),
            Candidate("a new entity in the source", structural: true),
            Candidate("a new entity in the source, Stage.Sale [Quantity] NULL"),
            Candidate("a new entity in the source, Stage.Sale [Quantity] 0"),
            Candidate("a new entity in the source, Stage.Sale [Quantity] -1"),
            Candidate("a new entity in the source, Stage.Sale [Price] NULL"),
            Candidate("an entity already in the target, unchanged", structural: true),
            Candidate("an entity already in the target, unchanged, Stage.Sale [Quantity] NULL"),
            Candidate("an entity already in the target, unchanged, Dim.Customer [Name] longest"),
        };
        var order = CandidateOrder.Informative(candidates).Select(i => candidates[i].Description).ToList();
        Assert.Equal(new[]
        {
            "empty input", "a new entity in the source", "an entity already in the target, unchanged",
            // round 1: the first of each family ([Quantity] varied from any base input is one family)
            "a new entity in the source, Stage.Sale [Quantity] NULL", "a new entity in the source, Stage.Sale [Price] NULL",
            "an entity already in the target, unchanged, Dim.Customer [Name] longest",
            // round 2, 3: the rest of [Quantity]
            "a new entity in the source, Stage.Sale [Quantity] 0",
            "a new entity in the source, Stage.Sale [Quantity] -1",
            "an entity already in the target, unchanged, Stage.Sale [Quantity] NULL",
        }, order);
    }

    [Theory]
    [InlineData("an entity whose [City] changed, Dim.City [Valid To] the day before", "Dim.City [Valid To]")]
    [InlineData("a new entity in the source, @AsOf NULL", "@AsOf")]
    [InlineData("an entity already in the target, unchanged, staged twice", "staged twice")]
    [InlineData("empty input", "empty input")]
    public void A_variations_family_is_what_it_varies(string description, string family) =>
        Assert.Equal(family, CandidateOrder.Family(description));

    [Fact]
    public void The_search_is_exhausted_after_candidates_in_a_row_that_add_nothing_and_base_inputs_never_count()
    {
        var search = new CandidateSearch(stopAfter: 3);
        var reached = new HashSet<(string, int)> { ("Load.sql", 10) };
        Assert.True(search.Add("ok|1,0,0", reached));
        Assert.False(search.Add("ok|1,0,0", reached));
        Assert.False(search.Add(null, null));                     // could not run: adds nothing
        Assert.True(search.Add("ok|1,0,0", reached, baseInput: true));   // a base input resets the count
        Assert.False(search.Add("ok|1,0,0", reached));
        Assert.False(search.Add("ok|1,0,0", reached));
        Assert.False(search.Exhausted);
        Assert.True(search.Add("ok|1,0,0", new HashSet<(string, int)> { ("Load.sql", 42) }));   // a new statement reached
        Assert.True(search.Add("e547|0,0,0", null));             // a new outcome shape
        Assert.False(search.Add("e547|0,0,0", null));
        Assert.False(search.Add("ok|1,0,0", reached));
        Assert.False(search.Exhausted);
        Assert.False(search.Add("ok|1,0,0", reached));
        Assert.True(search.Exhausted);
        Assert.False(new CandidateSearch(stopAfter: 0) is { Exhausted: true });
    }

    [Fact]
    public void The_cap_is_spent_when_the_time_taken_and_the_check_of_the_cases_kept_reach_it()
    {
        var watch = new ManualStopwatch { Elapsed = TimeSpan.FromSeconds(20) };
        var cap = new GenerationCap(TimeSpan.FromSeconds(30), watch, parallelism: 2);
        Assert.False(cap.Spent());
        cap.Keep(TimeSpan.FromSeconds(12));    // checking it: 6 s on two cores
        Assert.False(cap.Spent());
        cap.Keep(TimeSpan.FromSeconds(8));     // 10 s: 20 + 10 reaches 30
        Assert.True(cap.Spent());
        watch.Elapsed = TimeSpan.Zero;
        Assert.True(cap.Spent());              // once reached, it stays reached
        Assert.True(cap.Reached);

        var none = new GenerationCap(TimeSpan.Zero, new ManualStopwatch { Elapsed = TimeSpan.FromHours(1) }, parallelism: 2);
        Assert.False(none.Spent());
    }

    [Fact]
    public async Task Generation_stops_at_the_cap_on_the_injected_stopwatch_and_keeps_the_cases_found()
    {
        var options = new GenerationOptions { UseMutants = false, StopAfterUninformative = 0, Cap = TimeSpan.FromSeconds(6), Stopwatch = () => new SteppingStopwatch() };
        var capped = await FixtureGeneration.GenerateAsync(FixtureGeneration.Load("warehouse"), "Dim.LoadEmployee", options);
        Assert.True(capped.Written, capped.Skipped);
        var result = capped.Result!;
        Assert.True(result.CapReached);
        // one read to start, one per candidate run: the cap of 6 s allows at most 5
        Assert.InRange(result.CandidatesRun, 1, 5);
        Assert.Contains(result.Notes, n => n.StartsWith("cap of 6 s reached after ", StringComparison.Ordinal));
        Assert.NotEmpty(result.File!.Cases);

        // on a stopwatch that does not move, more run (the cap still counts the real time the kept
        // cases' check will take, which a loaded machine can make seconds: hence the larger cap)
        var frozen = await FixtureGeneration.GenerateAsync(FixtureGeneration.Load("warehouse"), "Dim.LoadEmployee",
            options with { Stopwatch = () => new ManualStopwatch(), Cap = TimeSpan.FromHours(1) });
        Assert.False(frozen.Result!.CapReached);
        Assert.True(frozen.Result.CandidatesRun > 5, $"{frozen.Result.CandidatesRun} of {frozen.Result.Candidates}");
        Assert.DoesNotContain(frozen.Result.Notes, n => n.StartsWith("cap of", StringComparison.Ordinal));
    }
}
