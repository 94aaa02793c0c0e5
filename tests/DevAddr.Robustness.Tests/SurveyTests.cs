using System.Collections.Concurrent;
using CsCheck;
using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using Xunit.Abstractions;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// A survey for developers (runs only with <c>DEVADDR_FUZZ_SURVEY=N</c>): N random requests, grouped by what went
/// wrong (validator rule, crash type, moved device), with the smallest example of each group. Used to find and
/// classify planner bugs; the CI properties stop at the first failure instead.
/// </summary>
public sealed class SurveyTests(ITestOutputHelper output)
{
    [Fact]
    public void Survey_RandomRequests_GroupsProblems()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("DEVADDR_FUZZ_SURVEY"), out int n)) return;
        var groups = new ConcurrentDictionary<string, (int Count, PlanRequest Example)>(StringComparer.Ordinal);
        void Add(string key, PlanRequest r) => groups.AddOrUpdate(key, (1, r),
            (_, g) => (g.Count + 1, r.Devices.Count < g.Example.Devices.Count ? r : g.Example));
        var gen = Gen.Select(RequestGenerators.Request(20), RequestGenerators.NewDevice);
        gen.Sample(x =>
        {
            var (request, added) = x;
            if (UnusableInputs.Match(request with { Devices = [.. request.Devices, added] }) is not null) return;
            try
            {
                if (AddressPlanner.Plan(request) is not PlanResult.Success s) return;
                foreach (var rule in AddressPlanner.Validate(s.Plan).Where(Core.Validation.ValidationRules.IsError).Select(v => v.Rule).Distinct())
                    Add("invalid plan: " + rule, request);
                var layout = s.Plan.Devices.Select(d => d with { Added = false, Reason = null }).ToList();
                var again = new PlanRequest { Machine = s.Plan.Machine, NumaNodes = request.NumaNodes, MemorySlots = request.MemorySlots, Devices = [.. layout, added] };
                switch (AddressPlanner.Plan(again))
                {
                    case PlanResult.Success g:
                        var byId = g.Plan.Devices.ToDictionary(d => d.Id);
                        foreach (var d in s.Plan.Devices.Where(d => !byId.TryGetValue(d.Id, out var now) || !PlannerPropertyTests.SamePlace(d.Address, now.Address)))
                            Add($"moved: {d.Kind} when adding {added.Kind}/{added.Type ?? added.Model}", again);
                        foreach (var rule in AddressPlanner.Validate(g.Plan).Where(Core.Validation.ValidationRules.IsError).Select(v => v.Rule).Distinct())
                            Add("invalid grown plan: " + rule, again);
                        break;
                    case PlanResult.Failure f when AddressPlanner.Plan(again with { Devices = layout }) is PlanResult.Failure f0:
                        Add($"plan fed back rejected: {f0.Error.Rule}", again with { Devices = layout });
                        break;
                }
            }
            catch (Exception ex)
            {
                Add($"crash: {ex.GetType().Name} at {ex.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}", request);
            }
        }, iter: n, threads: 2);
        output.WriteLine($"survey: {n} requests, {groups.Count} problem groups");
        foreach (var (key, (count, example)) in groups.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            output.WriteLine($"\n{count} × {key}\n{PlanJson.Serialize(example)}");
    }

    [Fact]
    public void Survey_OptimizePolicy_GroupsProblems()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("DEVADDR_FUZZ_SURVEY_OPTIMIZE"), out int n)) return;
        var groups = new ConcurrentDictionary<string, (int Count, PlanRequest Example)>(StringComparer.Ordinal);
        void Add(string key, PlanRequest r) => groups.AddOrUpdate(key, (1, r),
            (_, g) => (g.Count + 1, r.Devices.Count < g.Example.Devices.Count ? r : g.Example));
        OptimizePropertyTests.Requests.Sample(request =>
        {
            if (UnusableInputs.Match(request) is not null) return;
            try
            {
                if (Solver.OptimizingPlanner.Plan(request) is not PlanResult.Success s) return;
                foreach (var rule in AddressPlanner.Validate(s.Plan).Select(v => v.Rule).Distinct())
                    Add("invalid plan: " + rule, request);
            }
            catch (Exception ex)
            {
                Add($"crash: {ex.GetType().Name} at {ex.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}", request);
            }
        }, iter: n, threads: 2);
        output.WriteLine($"survey (optimize): {n} requests, {groups.Count} problem groups");
        foreach (var (key, (count, example)) in groups.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            output.WriteLine($"\n{count} × {key}\n{PlanJson.Serialize(example)}");
    }
}
