using System.Diagnostics;
using System.Globalization;
using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Core.Tests;

namespace DevAddr.Benchmarks;

/// <summary>
/// <c>scsi-scale [SIZE...] [--runs N]</c>: plans the generated SCSI guests (tests/DevAddr.Core.Tests/ScsiGuests.cs:
/// only host devices without addresses on pc, and SCSI controllers, disks and host devices
/// mixed on pc and q35, and dense: two thirds disks at high units of virtio-scsi controllers) of each size and prints the median wall time of N runs
/// (after one warm-up run; with --runs 0, the warm-up run's time). A console run rather than BenchmarkDotNet: the slow sizes take seconds to minutes.
/// </summary>
internal static class ScsiScale
{
    public static int Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        int runs = 5;
        var sizes = new List<int>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--runs" && i + 1 < args.Length) runs = int.Parse(args[++i], ci);
            else sizes.Add(int.Parse(args[i], ci));
        }
        if (sizes.Count == 0) sizes = [100, 800, 4096];
        foreach (var (machine, shape) in new[] { ("pc", "hostdevs"), ("pc", "mixed"), ("q35", "mixed"), ("pc", "dense"), ("q35", "dense") })
        {
            foreach (int size in sizes)
            {
                var request = shape == "hostdevs" ? ScsiGuests.HostdevsOnly(machine, size) : ScsiGuests.Create(machine, size, seed: 1, dense: shape == "dense");
                var warm = Stopwatch.StartNew();
                var first = AddressPlanner.Plan(request);
                double warmMs = warm.Elapsed.TotalMilliseconds;
                string outcome = first is PlanResult.Success s ? $"{s.Plan.Devices.Count} devices planned" : $"error: {((PlanResult.Failure)first).Error.Message}";
                var times = new List<double>();
                for (int r = 0; r < runs; r++)
                {
                    var sw = Stopwatch.StartNew();
                    AddressPlanner.Plan(request);
                    times.Add(sw.Elapsed.TotalMilliseconds);
                }
                if (times.Count == 0) times.Add(warmMs);
                times.Sort();
                double median = times.Count % 2 == 1 ? times[times.Count / 2] : (times[times.Count / 2 - 1] + times[times.Count / 2]) / 2;
                Console.WriteLine(string.Create(ci,
                    $"{machine,-4} {shape,-8} {size,5} SCSI devices: median {median,10:F1} ms over {times.Count} runs (min {times[0]:F1}, max {times[^1]:F1}); {outcome}"));
            }
        }
        return 0;
    }
}
