using System.Globalization;
using BenchmarkDotNet.Attributes;
using DevAddr.Core.Model;
using DevAddr.Solver;

namespace DevAddr.Benchmarks;

/// <summary>
/// The optimizing policy (CP-SAT) on q35 guests of 8, 32, 128 and 256 devices, with 1 or 4 NUMA nodes:
/// time to a proven optimum (the setup checks the status is optimal).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class CpSatBenchmarks
{
    private PlanRequest _request = null!;

    /// <summary>Devices in the guest.</summary>
    [Params(8, 32, 128, 256)]
    public int Devices { get; set; }

    /// <summary>Guest NUMA nodes (1: no NUMA placement).</summary>
    [Params(1, 4)]
    public int NumaNodes { get; set; }

    /// <summary>The request: virtio disks and NICs, some e1000 and grouped NICs; with NUMA, most devices pinned to a node.</summary>
    public static PlanRequest Build(int devices, int numaNodes)
    {
        var list = new List<Device>();
        for (int i = 0; i < devices; i++)
        {
            string id = "d" + i.ToString(CultureInfo.InvariantCulture);
            DeviceTunables? t = numaNodes > 1 && i % 4 != 0 ? new DeviceTunables { NumaNode = new Tunable<int> { Value = i % numaNodes } } : null;
            list.Add((i % 10) switch
            {
                0 => new Device { Id = id, Kind = "interface", Model = "e1000", Tunables = t },
                1 or 2 or 3 => new Device { Id = id, Kind = "interface", Model = "virtio", Tunables = t },
                _ => new Device { Id = id, Kind = "disk", Bus = "virtio", Target = "vd" + Name(i), Tunables = t },
            });
        }
        var tunables = new Tunables
        {
            HotplugReserve = new Tunable<int> { Value = 4 },
            HotplugReservePerNode = numaNodes > 1
                ? Enumerable.Range(0, numaNodes).ToDictionary(n => n.ToString(CultureInfo.InvariantCulture), _ => new Tunable<int> { Value = 1 })
                : null,
        };
        return new PlanRequest
        {
            Machine = new MachineSpec("x86_64", "q35"),
            NumaNodes = numaNodes > 1 ? numaNodes : 0,
            Policy = new PolicySpec { Name = PolicySpec.Optimize, Tunables = tunables },
            Devices = list,
        };
    }

    private static string Name(int n)
    {
        string s = "";
        n++;
        while (n > 0) { n--; s = (char)('a' + n % 26) + s; n /= 26; }
        return s;
    }

    [GlobalSetup]
    public void Setup()
    {
        _request = Build(Devices, NumaNodes);
        if (OptimizingPlanner.Plan(_request) is not PlanResult.Success { Plan.Solver.Status: "optimal" })
            throw new InvalidOperationException($"benchmark guest {Devices}/{NumaNodes} is not solved to a proven optimum");
    }

    /// <summary>Plan to a proven optimum.</summary>
    [Benchmark]
    public PlanResult Plan() => OptimizingPlanner.Plan(_request);
}
