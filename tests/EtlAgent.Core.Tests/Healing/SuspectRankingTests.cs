using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using HealSuspect = EtlAgent.Core.Healing.SuspectStatement;

namespace EtlAgent.Core.Tests.Healing;

/// <summary>The heal search edits first the statements root-cause analysis names, then the default ranking's.</summary>
public class SuspectRankingTests
{
    private const string Proc = "procs/Load.sql";

    private static Analysis.SuspectStatement At(int start, int length, double confidence, string file = Proc) =>
        new(file, 1, 1, start, length, "stmt", Array.Empty<string>(), "wrong-join-key", confidence);

    private static FailureAnalysis Failure(string @case, Analysis.SuspectStatement? cause, params Analysis.SuspectStatement[] candidates) =>
        new(new FailureId("tests/etl/Load.etltest.yaml", @case, "Etl.Load"), cause, candidates, FailureSeverity.LoadFailure,
            new Dictionary<string, IReadOnlyList<IReadOnlyDictionary<string, object?>>>(), "", "mutation", TimeSpan.Zero);

    private static readonly IReadOnlyList<HealSuspect> Default = new[] { new HealSuspect(Proc, 0, 10), new HealSuspect(Proc, 20, 40), new HealSuspect(Proc, 50, 90) };

    [Fact]
    public void Root_causes_come_first_then_their_candidates_then_the_rest_without_repeats()
    {
        var causes = new RootCauseReport(new[]
        {
            Failure("a", At(50, 40, 0.9), At(20, 20, 0.4)),
            Failure("b", At(60, 5, 0.7)),
            Failure("not failing here", At(0, 10, 1.0)),
        }, TimeSpan.Zero);
        var ranked = HealRun.RankSuspects(Default, causes, Proc, new[] { ("tests/etl/Load.etltest.yaml", "a"), ("tests/etl/Load.etltest.yaml", "b") });
        Assert.Equal(new[] { new HealSuspect(Proc, 50, 90), new HealSuspect(Proc, 60, 65), new HealSuspect(Proc, 20, 40), new HealSuspect(Proc, 0, 10) }, ranked);
    }

    [Fact]
    public void Without_root_causes_or_for_another_file_the_default_ranking_stands()
    {
        Assert.Same(Default, HealRun.RankSuspects(Default, null, Proc, new[] { ("t", "a") }));
        var elsewhere = new RootCauseReport(new[] { Failure("a", At(5, 5, 0.9, "procs/Other.sql")) }, TimeSpan.Zero);
        Assert.Equal(Default, HealRun.RankSuspects(Default, elsewhere, Proc, new[] { ("tests/etl/Load.etltest.yaml", "a") }));
    }
}

/// <summary>Heals of the classes people applied more often come first, within each failure.</summary>
public class HealAcceptanceRankingTests
{
    private static Core.Healing.HealSuggestion Heal(string @case, string bugClass) =>
        new($"{@case}-{bugClass}", "tests/etl/Load.etltest.yaml", @case,
            new Core.Healing.RepairCandidate("code", bugClass, bugClass, Array.Empty<Core.Model.TextEdit>(), "template"), new Core.Healing.HealVerification(1, 1, 0));

    private static Core.Memory.HealRecord Record(string bugClass, Core.Memory.HealStatus status) => new(DateTimeOffset.UnixEpoch, "procs/Load.sql", bugClass, status);

    [Fact]
    public void The_class_applied_more_often_ranks_first_and_failures_keep_their_order()
    {
        var heals = new[] { Heal("a", "boundary-off-by-one"), Heal("a", "null-unsafe-comparison"), Heal("b", "boundary-off-by-one") };
        var history = new[]
        {
            Record("null-unsafe-comparison", Core.Memory.HealStatus.Offered), Record("null-unsafe-comparison", Core.Memory.HealStatus.Applied),
            Record("boundary-off-by-one", Core.Memory.HealStatus.Offered), Record("boundary-off-by-one", Core.Memory.HealStatus.Offered),
        };
        Assert.Equal(new[] { "a-null-unsafe-comparison", "a-boundary-off-by-one", "b-boundary-off-by-one" },
            HealRun.RankByAcceptance(heals, history).Select(h => h.Id));
        Assert.Same(heals, HealRun.RankByAcceptance(heals, Array.Empty<Core.Memory.HealRecord>()));
    }
}
