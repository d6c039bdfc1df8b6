using EtlAgent.Core.Generation;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Workspace;

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

    /// <summary>Time that passes only as the sandbox works (<see cref="TimedSandbox"/>).</summary>
    private sealed class SimulatedTime
    {
        private long _ticks;
        public TimeSpan Now => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));
        public void Spend(TimeSpan t) => Interlocked.Add(ref _ticks, t.Ticks);
        public IStopwatch StartStopwatch() => new SimulatedStopwatch(this, Now);
        private sealed class SimulatedStopwatch(SimulatedTime time, TimeSpan start) : IStopwatch
        {
            public TimeSpan Elapsed => time.Now - start;
        }
    }

    /// <summary>
    /// The embedded sandbox on simulated time: setting up a factory (a catalog, the transformations)
    /// takes <paramref name="setUp"/>, every case's sandbox <paramref name="run"/>.
    /// </summary>
    private sealed class TimedSandbox : ISandboxFactory
    {
        private readonly ISandboxFactory _inner;
        private readonly SimulatedTime _time;
        private readonly TimeSpan _run;

        private TimedSandbox(ISandboxFactory inner, SimulatedTime time, TimeSpan setUp, TimeSpan run)
        {
            (_inner, _time, _run) = (inner, time, run);
            time.Spend(setUp);
        }

        public string Name => _inner.Name;
        public Task<ISandbox> CreateAsync(CancellationToken cancellationToken = default)
        {
            _time.Spend(_run);
            return _inner.CreateAsync(cancellationToken);
        }
        public ValueTask DisposeAsync() => _inner.DisposeAsync();

        public static SandboxFactoryProvider.EmbeddedSandbox On(SimulatedTime time, TimeSpan setUp, TimeSpan run)
        {
            var pool = new SandboxPool(EnvironmentVariables.None);
            var catalogs = new PreparedCatalogs();
            return (setup, files) => new TimedSandbox(new DuckDbSandboxFactory(setup, files, pool, catalogs: catalogs), time, setUp, run);
        }
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

    [Fact]
    public async Task A_cap_spent_before_any_candidate_ran_is_the_reason_given_not_inputs_the_sandbox_refused()
    {
        // preparing the inputs and the sandbox took the whole cap (a wide procedure on a large catalog)
        var options = new GenerationOptions { UseMutants = false, Cap = TimeSpan.FromSeconds(6), Stopwatch = () => new ManualStopwatch { Elapsed = TimeSpan.FromSeconds(7) } };
        var capped = await FixtureGeneration.GenerateAsync(FixtureGeneration.Load("warehouse"), "Dim.LoadEmployee", options);
        Assert.False(capped.Written);
        Assert.StartsWith("not testable within the cap: the cap of 6 s was reached before any of the ", capped.Skipped);
        Assert.DoesNotContain("could be run in the sandbox", capped.Skipped);
    }

    [Fact]
    public async Task Preparing_the_inputs_takes_at_most_a_third_of_the_cap_and_the_base_inputs_still_run()
    {
        // past a third of the cap when the inputs are prepared (a wide procedure on a large catalog): the variations are left out, the base inputs run
        var options = new GenerationOptions { UseMutants = false, Cap = TimeSpan.FromHours(1), Stopwatch = () => new ManualStopwatch { Elapsed = TimeSpan.FromMinutes(25) } };
        var generated = await FixtureGeneration.GenerateAsync(FixtureGeneration.Load("warehouse"), "Dim.LoadEmployee", options);
        Assert.True(generated.Written, generated.Skipped);
        var result = generated.Result!;
        Assert.Contains(result.Notes, n => n.Contains(" candidate inputs not prepared: ", StringComparison.Ordinal));
        Assert.True(result.CandidatesRun > 0);
        Assert.NotEmpty(result.File!.Cases);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_whole_generation_self_check_included_ends_within_the_cap_when_sandboxes_take_time(bool mutants)
    {
        // one core, so simulated time adds up as wall time would: a factory's set-up 3 s, each run 1 s
        var time = new SimulatedTime();
        var cap = TimeSpan.FromSeconds(12);
        var options = new GenerationOptions
        {
            UseMutants = mutants, StopAfterUninformative = 0, Parallelism = 1, Cap = cap, Stopwatch = time.StartStopwatch,
        };
        var generated = await FixtureGeneration.GenerateAsync(FixtureGeneration.Load("warehouse"), "Dim.LoadEmployee", options,
            TimedSandbox.On(time, setUp: TimeSpan.FromSeconds(3), run: TimeSpan.FromSeconds(1)));
        Assert.True(generated.Written, generated.Skipped);
        var result = generated.Result!;
        Assert.True(result.CapReached);
        Assert.NotEmpty(result.File!.Cases);
        // the time printed: the searches, the file's self-check and anything between them
        Assert.True(result.Elapsed <= cap, $"{result.Elapsed.TotalSeconds} s with a cap of {cap.TotalSeconds} s");
    }
}
