using System.Text.Json;
using CsCheck;
using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Solver;
using Xunit.Abstractions;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// The optimizing policy (CP-SAT) on random requests with random tunables: a plan the independent validator
/// accepts or a structured error (infeasible, solver-limit, invalid input), never an exception or a hang; the
/// same request gives the same devices and addresses. Fewer cases than the libvirt policy: each one solves a model.
/// </summary>
public sealed class OptimizePropertyTests(ITestOutputHelper output)
{
    private static Tunable<T> T<T>(T value, bool prefer) => new() { Value = value, Mode = prefer ? TunableModes.Prefer : TunableModes.Require };

    /// <summary>Root-port reserves, valid and not (QEMU's limits: pref32 with pref64, 4 GiB mem, bus 255).</summary>
    private static readonly Gen<PortReserve?> Reserves = Gen.Frequency(
        (6, Gen.Const((PortReserve?)null)),
        (1, Gen.Select(Gen.OneOf<int?>(null, 0, 1, 4, 255), Gen.OneOf<long?>(null, 0, 4096, 1 << 20), Gen.OneOf<long?>(null, 2L << 20, 64L << 20, 4L << 30),
            Gen.OneOf<long?>(null, null, null, 1L << 20), Gen.OneOf<long?>(null, 1L << 30, 8L << 30, 64L << 30),
            (bus, io, mem, pref32, pref64) => (PortReserve?)new PortReserve { Bus = bus, Io = io, Mem = mem, Pref32 = pref32, Pref64 = pref64 })));

    private static readonly Gen<Tunables> GlobalTunables =
        Gen.Select(
            Gen.Frequency((2, Gen.Const((Tunable<int>?)null)), (1, Gen.Select(Gen.Int[0, 12], Gen.Bool, (n, p) => (Tunable<int>?)T(n, p)))),
            Gen.Frequency((2, Gen.Const((Tunable<string>?)null)), (1, Gen.Select(Gen.OneOf("pcie", "pci", "auto"), Gen.Bool, (k, p) => (Tunable<string>?)T(k, p)))),
            Gen.Frequency((3, Gen.Const((Tunable<bool>?)null)), (1, Gen.Select(Gen.Bool, Gen.Bool, (h, p) => (Tunable<bool>?)T(h, p)))),
            Gen.OneOf<bool?>(null, null, true, false),
            Gen.OneOf<string?>(null, null, "one-per-bus", "distinct-slots"),
            Gen.Frequency((4, Gen.Const((Budgets?)null)), (1, Gen.Select(Gen.OneOf<int?>(null, 8, 32, 256), Gen.OneOf<long?>(null, 16 << 10, 64 << 10), Gen.OneOf<long?>(null, 256L << 20, 1L << 30),
                (b, io, mmio) => (Budgets?)new Budgets { BusNumbers = b, IoBytes = io, Mmio32Bytes = mmio }))),
            Reserves,
            (reserve, busKind, hotpluggable, portHotplug, packing, budgets, spare) => new Tunables
            {
                HotplugReserve = reserve, BusKind = busKind, Hotpluggable = hotpluggable, OccupiedPortHotplug = portHotplug, Packing = packing, Budgets = budgets,
                SparePortReserve = spare,
            });

    private static readonly Gen<DeviceTunables?> PerDevice = Gen.Frequency(
        (8, Gen.Const((DeviceTunables?)null)),
        (1, Gen.Select(Gen.OneOf<int?>(null, 0, 1), Gen.OneOf<string?>(null, "pcie", "pci"), Gen.OneOf<string?>(null, null, "g1", "g2"), Gen.Bool, Reserves,
            (node, kind, group, prefer, portReserve) => (DeviceTunables?)new DeviceTunables
            {
                NumaNode = node is int n ? T(n, prefer) : null, BusKind = kind is string k ? T(k, prefer) : null, Group = group, PortReserve = portReserve,
            })));

    internal static readonly Gen<PlanRequest> Requests =
        Gen.Select(RequestGenerators.Request(10, cleanPercent: 90), GlobalTunables, PerDevice.Array[10], (r, t, per) => r with
        {
            NumaNodes = Math.Max(r.NumaNodes, 2),
            Policy = new PolicySpec { Name = PolicySpec.Optimize, Tunables = t, Solver = new SolverSettings { MaxDeterministicTime = 2, MaxWallSeconds = 8 } },
            Devices = r.Devices.Select((d, i) => d.Kind == "controller" ? d : d with { Tunables = per[i % per.Length] }).ToList(),
        });

    private static string DevicesJson(Plan plan) => JsonSerializer.Serialize(plan.Devices, PlanJson.Options);

    [Fact]
    public void PlanOptimize_RandomRequestAndTunables_GivesValidDeterministicPlanOrStructuredError()
    {
        var run = new FuzzRun("optimize policy: random requests and tunables", output);
        run.Sample(Requests, request => run.Case(PlanJson.Serialize(request), () =>
        {
            PlanResult result;
            try
            {
                result = OptimizingPlanner.Plan(request);
            }
            catch (Exception) when (UnusableInputs.All.FirstOrDefault(b => b.Crashes && b.Applies(request)) is { } bug)
            {
                run.Note("known policy bug (crash): " + bug.Id);
                return;
            }
            if (result is PlanResult.Failure f)
            {
                run.Error(f.Error, request);
                return;
            }
            var plan = ((PlanResult.Success)result).Plan;
            // Errors and budget warnings fail (the optimize policy honours the budgets); other warnings need a listed pattern.
            var violations = PlanCheck.Errors(plan, run, request)
                .Concat((plan.Warnings ?? []).Where(w => w.Rule is "io-window-budget" or "mmio32-budget")).ToList();
            if (violations.Count > 0)
                throw run.Invalid("invalid plan:\n" + string.Join("\n", violations.Select(v => $"  {v.Rule}: {v.Message}")));
            run.Plan();
            var again = Assert.IsType<PlanResult.Success>(OptimizingPlanner.Plan(request));
            Assert.Equal(DevicesJson(plan), DevicesJson(again.Plan));
        }), FuzzRun.Long ? 5000 : 200, PlanJson.Serialize, TimeSpan.FromMinutes(FuzzRun.Long ? 120 : 5));
    }
}
