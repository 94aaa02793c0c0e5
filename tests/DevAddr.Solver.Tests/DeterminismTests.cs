using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using static DevAddr.Solver.Tests.PlanHelpers;

namespace DevAddr.Solver.Tests;

public sealed class DeterminismTests
{
    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(RepoRoot, "fixtures", "scenarios"), "*.json").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    private static string Render(PlanRequest request) => OptimizingPlanner.Plan(request) switch
    {
        PlanResult.Success s => PlanJson.Serialize(s.Plan),
        PlanResult.Failure f => PlanJson.Serialize(f.Error),
        _ => throw new InvalidOperationException(),
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Plan_TenRunsOnOneAndTwoWorkers_ByteIdentical(string scenario)
    {
        var request = Load(scenario);
        string? first = null;
        foreach (int threads in new[] { 1, 2 })
        {
            var r = request with { Policy = request.Policy with { Solver = new SolverSettings { Threads = threads } } };
            for (int run = 0; run < 10; run++)
            {
                string text = Render(r);
                first ??= text;
                Assert.Equal(first, text);
            }
        }
    }
}
