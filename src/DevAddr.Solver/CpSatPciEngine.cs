using System.Globalization;
using DevAddr.Core.Model;
using DevAddr.Core.Topology;
using Google.OrTools.Sat;

namespace DevAddr.Solver;

/// <summary>
/// PCI placement as a CP-SAT model. Each unit (device or multifunction group) picks one placement class
/// (attachment kind × NUMA group); counts of added root ports, bridges and expander buses follow from the
/// choices and are bounded by the slots, bus numbers, I/O and MMIO budgets. Hard tunables are constraints
/// with enforcement literals (for explanations); soft ones are weighted penalties. The optimum is found
/// first; then, with the objective fixed to it, a single-worker tie-break picks the lexicographically
/// smallest classes so the plan does not depend on the number of workers. A deterministic decoder turns
/// the classes into controllers, slots and functions.
/// </summary>
public sealed class CpSatPciEngine : IPciPlacementEngine
{
    /// <inheritdoc />
    public PciPlacementResult Place(PciProblem problem)
    {
        var global = problem.Policy.Tunables;
        var units = PlacementUnit.Build(problem.Items, global, out var groupError);
        if (groupError is not null) return new PciPlacementResult { Error = groupError };
        var pass = Passthrough.Create(problem, units, out var passError);
        if (passError is not null) return new PciPlacementResult { Error = passError };
        if (pass?.SparePref64(units) is long sparePref64)
        {
            // windows.sparePref64: every spare port the plan adds reserves that much 64-bit space.
            var tunables = global! with { SparePortReserve = (global.SparePortReserve ?? new PortReserve()) with { Pref64 = sparePref64, Pref32 = null } };
            problem = problem with { Policy = problem.Policy with { Tunables = tunables } };
        }
        var topo = new TopologyFacts(problem);
        var builder = new PlacementModelBuilder(problem, topo, units, pass);
        var built = builder.Build();
        if (built.Error is not null) return new PciPlacementResult { Error = built.Error };
        var settings = problem.Policy.Solver ?? new SolverSettings();
        var outcome = SolverRunner.Solve(built, settings);
        if (outcome.Error is not null) return new PciPlacementResult { Error = outcome.Error };
        return new SolutionDecoder(problem, topo, units, built, outcome, pass).Decode();
    }
}

/// <summary>Facts about the existing topology the model needs.</summary>
internal sealed class TopologyFacts
{
    public TopologyFacts(PciProblem p)
    {
        Problem = p;
        IsPcie = p.Machine.IsPcie;
        var root = p.Buses.FirstOrDefault(b => b.Index == 0);
        RootFreeSlots = root?.FreeSlots ?? [];
        RootHotplug = root?.Hotplug ?? false;
        // The machine's expander: a pci/pcie-expander-bus on a root slot, or (pseries) another PCI host bridge, a root
        // bus of its own with no address, its own bus numbers and windows.
        var expander = p.Machine.ExpanderBus is string em ? p.Catalog.FindPciController(em) : null;
        ExpanderIsRootBus = expander?.Root ?? false;
        ExpanderFirstSlot = expander?.MinSlot ?? 0;
        ExpanderSlotCount = expander is null ? 0 : expander.MaxSlot - expander.MinSlot + 1;
        foreach (var b in p.Buses.Where(b => b.Index != 0))
        {
            int group = b.NumaNode ?? PlacementClass.Main;
            if (b.Model is "pci-expander-bus" or "pcie-expander-bus" || (ExpanderIsRootBus && b.Model == p.Machine.ExpanderBus))
            {
                if (b.NumaNode is int n && !Expanders.ContainsKey(n)) Expanders[n] = b;
                // Another host bridge without a node takes devices as a bridge does.
                else if (ExpanderIsRootBus && b.NumaNode is null)
                {
                    if (!Bridges.TryGetValue(group, out var l)) Bridges[group] = l = [];
                    l.Add(b);
                }
                continue;
            }
            if (b.Model is "pcie-root-port" or "pcie-switch-downstream-port")
            {
                if (b.FreeSlots.Contains(0))
                {
                    var list = b.Hotplug ? EmptyPortsOn : EmptyPortsOff;
                    if (!list.TryGetValue(group, out var l)) list[group] = l = [];
                    l.Add(b);
                }
                continue;
            }
            if (b.Model is "pcie-to-pci-bridge" or "pci-bridge")
            {
                if (!Bridges.TryGetValue(group, out var l)) Bridges[group] = l = [];
                l.Add(b);
            }
        }
        ExistingBuses = p.Buses.Count;
    }

    public PciProblem Problem { get; }
    public bool IsPcie { get; }
    public IReadOnlyList<int> RootFreeSlots { get; }
    public bool RootHotplug { get; }
    public Dictionary<int, PciBusInfo> Expanders { get; } = [];
    /// <summary>The expander is a root bus (a pseries PCI host bridge): no root slot, bus numbers of its own.</summary>
    public bool ExpanderIsRootBus { get; }
    /// <summary>First slot and number of slots of a new expander.</summary>
    public int ExpanderFirstSlot { get; }
    public int ExpanderSlotCount { get; }
    public Dictionary<int, List<PciBusInfo>> EmptyPortsOn { get; } = [];
    public Dictionary<int, List<PciBusInfo>> EmptyPortsOff { get; } = [];
    public Dictionary<int, List<PciBusInfo>> Bridges { get; } = [];
    public int ExistingBuses { get; }

    public int EmptyOn(int g) => EmptyPortsOn.TryGetValue(g, out var l) ? l.Count : 0;
    public int EmptyOff(int g) => EmptyPortsOff.TryGetValue(g, out var l) ? l.Count : 0;
    public int BridgeFree(int g) => Bridges.TryGetValue(g, out var l) ? l.Sum(b => b.FreeSlots.Count) : 0;
}

/// <summary>The built CP-SAT model and its variable maps.</summary>
internal sealed class BuiltModel
{
    public CpModel Model { get; } = new();
    public Dictionary<(int Unit, PlacementClass Class), BoolVar> Choice { get; } = [];
    public Dictionary<int, IntVar> NewPortsOn { get; } = [];
    public Dictionary<int, IntVar> NewPortsOff { get; } = [];
    public Dictionary<int, IntVar> NewBridges { get; } = [];
    public Dictionary<int, IntVar> Reserve { get; } = [];
    /// <summary>New hot-pluggable root ports left empty, per group (only with a spare-port reserve).</summary>
    public Dictionary<int, IntVar> SpareNewPorts { get; } = [];
    public Dictionary<int, BoolVar> NewExpander { get; } = [];
    /// <summary>Guest switch w placed in group g (only with guest switches).</summary>
    public Dictionary<(int Switch, int Group), BoolVar> SwitchIn { get; } = [];
    /// <summary>Budget expressions, for the window report: bus numbers, I/O, 32-bit and 64-bit MMIO.</summary>
    public LinearExpr? Buses { get; set; }
    public LinearExpr? Io { get; set; }
    public LinearExpr? Mmio32 { get; set; }
    public LinearExpr? Mmio64 { get; set; }
    public long Mmio64Budget { get; set; }
    public List<int> Groups { get; } = [];
    /// <summary>Enforcement literal of each hard requirement, with its plain-words description.</summary>
    public List<Requirement> Requirements { get; } = [];
    /// <summary>Objective terms: (tunable, variable expression coefficient pairs, description for unmet, device).</summary>
    public List<Penalty> Penalties { get; } = [];
    public LinearExpr Objective { get; set; } = LinearExpr.Constant(0);
    public LinearExpr TieBreak { get; set; } = LinearExpr.Constant(0);
    public PlanError? Error { get; set; }
}

/// <summary>A hard requirement: its enforcement literal, what it asks, and the device it is about (if any).</summary>
internal sealed record Requirement(BoolVar Literal, string Description, string? DeviceId);

/// <summary>A weighted soft term: costs <see cref="Weight"/> per unit of <see cref="Amount"/>.</summary>
internal sealed record Penalty(string Tunable, IntVar Amount, long Weight, string? DeviceId, string Message, bool Reported);

/// <summary>Solve outcome.</summary>
internal sealed record SolveOutcome(CpSolver? Solver, CpSolverStatus Status, long Objective, long Bound, PlanError? Error);

/// <summary>Runs the solver deterministically: optimum, then a single-worker tie-break at that optimum.</summary>
internal static class SolverRunner
{
    public const int Seed = 20261125;

    public static string Parameters(SolverSettings s, int workers) => string.Create(CultureInfo.InvariantCulture,
        $"num_workers:{workers} random_seed:{Seed} max_deterministic_time:{s.MaxDeterministicTime} max_time_in_seconds:{s.MaxWallSeconds} interleave_search:{(workers > 1 ? "true" : "false")} log_search_progress:false");

    public static SolveOutcome Solve(BuiltModel built, SolverSettings settings)
    {
        int workers = Math.Clamp(settings.Threads, 1, 64);
        var model = built.Model;
        model.ClearAssumptions();
        model.AddAssumptions(built.Requirements.Select(r => (ILiteral)r.Literal));
        model.Minimize(built.Objective);
        var solver = new CpSolver { StringParameters = Parameters(settings, workers) };
        var status = solver.Solve(model);
        if (status == CpSolverStatus.Infeasible)
            return new SolveOutcome(null, status, 0, 0, Explain(built, settings));
        if (status is not (CpSolverStatus.Optimal or CpSolverStatus.Feasible))
            return new SolveOutcome(null, status, 0, 0, new PlanError
            {
                Code = status == CpSolverStatus.ModelInvalid ? "internal-error" : ErrorCodes.SolverLimit,
                Message = status == CpSolverStatus.ModelInvalid
                    ? "the placement model is invalid: " + model.Validate()
                    : $"the solver found no plan within its limits (deterministic time {settings.MaxDeterministicTime}, {settings.MaxWallSeconds} s)",
                Rule = "solver-limit",
            });

        long objective = (long)Math.Round(solver.ObjectiveValue);
        long bound = (long)Math.Round(solver.BestObjectiveBound);

        // Tie-break at the optimum, on one worker: the same plan whatever the worker count.
        model.Add(built.Objective == objective);
        model.Minimize(built.TieBreak);
        var tieSolver = new CpSolver { StringParameters = Parameters(settings, 1) };
        var tieStatus = tieSolver.Solve(model);
        if (tieStatus is CpSolverStatus.Optimal or CpSolverStatus.Feasible)
            return new SolveOutcome(tieSolver, status, objective, bound, null);
        return new SolveOutcome(null, status, objective, bound, new PlanError
        {
            Code = ErrorCodes.SolverLimit,
            Message = "the solver could not finish the deterministic tie-break within its limits",
            Rule = "solver-limit",
        });
    }

    private static PlanError Explain(BuiltModel built, SolverSettings settings)
    {
        var model = built.Model;
        var byIndex = built.Requirements.ToDictionary(r => r.Literal.GetIndex());
        var solver = new CpSolver { StringParameters = Parameters(settings, 1) };
        solver.Solve(model);
        var core = solver.SufficientAssumptionsForInfeasibility().Where(byIndex.ContainsKey).Distinct().ToList();

        // Shrink the core to a minimal conflicting set: drop each requirement that is not needed for infeasibility.
        var quick = settings with { MaxDeterministicTime = Math.Min(settings.MaxDeterministicTime, 2), MaxWallSeconds = Math.Min(settings.MaxWallSeconds, 5) };
        foreach (int lit in core.OrderByDescending(i => i).ToList())
        {
            if (core.Count <= 1) break;
            var trial = core.Where(i => i != lit).ToList();
            model.ClearAssumptions();
            model.AddAssumptions(trial.Select(i => (ILiteral)byIndex[i].Literal));
            var check = new CpSolver { StringParameters = Parameters(quick, 1) };
            if (check.Solve(model) == CpSolverStatus.Infeasible) core = trial;
        }
        model.ClearAssumptions();

        // Aggregate by requirement: "on PCI Express (16 devices: nic0, nic1, ...)".
        var parts = core.Select(i => byIndex[i]).GroupBy(r => r.Description, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var ids = g.Where(r => r.DeviceId is not null).Select(r => r.DeviceId!).Distinct().OrderBy(x => x, StringComparer.Ordinal).ToList();
                if (ids.Count == 0) return g.Key;
                string list = string.Join(", ", ids.Take(8).Select(x => $"'{x}'")) + (ids.Count > 8 ? $", ... ({ids.Count - 8} more)" : "");
                return ids.Count == 1 ? $"device {list} {g.Key}" : $"{ids.Count} devices {g.Key} ({list})";
            }).ToList();
        var devices = core.Select(i => byIndex[i].DeviceId).Where(d => d is not null).Distinct().ToList();
        string message = parts.Count == 0
            ? "no placement exists: the devices do not fit the machine's slots and bus numbers"
            : "no placement satisfies these requirements together: " + string.Join("; ", parts);
        return new PlanError { Code = ErrorCodes.Infeasible, Message = message, Rule = "hard-tunables", DeviceId = devices.Count == 1 ? devices[0] : null };
    }
}
