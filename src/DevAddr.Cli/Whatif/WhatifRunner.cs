using System.Diagnostics;
using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Solver;

namespace DevAddr.Cli.Whatif;

/// <summary>One column of a comparison: a name and the request to plan (the compared policy in place).</summary>
/// <param name="Name">Column name: the policy file's name, <c>request</c>, or the sweep point (e.g. <c>hotplugReserve=4</c>).</param>
/// <param name="Request">The request with the policy under comparison.</param>
/// <param name="Value">The swept value, in a sweep.</param>
internal sealed record WhatifScenario(string Name, PlanRequest Request, long? Value = null);

/// <summary>What planning one scenario gave: its plan and metrics or its error, and the measured (not deterministic) solve time.</summary>
internal sealed record WhatifOutcome(WhatifScenario Scenario, PlanMetrics? Metrics, PlanError? Error, TimeSpan SolveTime)
{
    /// <summary>The plan, when there is one.</summary>
    public Plan? Plan { get; init; }
}

/// <summary>
/// Plans the scenarios, up to <c>jobs</c> at once (0: one per processor), each on its own, so the outcomes (in
/// scenario order) do not depend on the number of jobs; only the measured solve times do (with one job they do not
/// disturb one another). One untimed plan per policy comes first, so the first column is not charged for loading the
/// solver and compiling the planner.
/// </summary>
internal static class WhatifRunner
{
    public static IReadOnlyList<WhatifOutcome> Run(IEnumerable<WhatifScenario> scenarios, DeviceCatalog? catalog = null, int jobs = 1)
    {
        catalog ??= DeviceCatalog.Default;
        var list = scenarios.ToList();
        foreach (var first in list.GroupBy(s => s.Request.Policy.Name, StringComparer.Ordinal).Select(g => g.First()))
            _ = OptimizingPlanner.Plan(first.Request, catalog);
        var outcomes = new WhatifOutcome[list.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = jobs == 0 ? Environment.ProcessorCount : Math.Max(jobs, 1) };
        Parallel.For(0, list.Count, options, i => outcomes[i] = Plan(list[i], catalog));
        return outcomes;
    }

    private static WhatifOutcome Plan(WhatifScenario scenario, DeviceCatalog catalog)
    {
        long start = Stopwatch.GetTimestamp();
        var result = OptimizingPlanner.Plan(scenario.Request, catalog);
        var elapsed = Stopwatch.GetElapsedTime(start);
        return result switch
        {
            PlanResult.Success s => new WhatifOutcome(scenario, PlanMetrics.Of(s.Plan, scenario.Request, catalog), null, elapsed) { Plan = s.Plan },
            PlanResult.Failure f => new WhatifOutcome(scenario, null, f.Error, elapsed),
            _ => throw new InvalidOperationException("unknown plan result " + result.GetType().Name),
        };
    }
}
