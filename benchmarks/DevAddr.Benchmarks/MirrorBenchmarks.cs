using BenchmarkDotNet.Attributes;
using DevAddr.Core.Host;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Solver;

namespace DevAddr.Benchmarks;

/// <summary>
/// The optimizing policy mirroring a host: fixtures/hosts/dgx-h100 (8 H100 GPUs, 8 ConnectX-7 RDMA NICs, 4 NVMe and a
/// virtio NIC on an 8-switch, 10-root-complex, 2-node host) under each mirror mode, time to a proven optimum (the setup
/// checks the status is optimal). Target: mirror switch under 100 ms.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class MirrorBenchmarks
{
    private PlanRequest _request = null!;

    /// <summary>The mirror mode.</summary>
    [Params("numa", "root-complex", "switch")]
    public string Mode { get; set; } = "switch";

    /// <summary>The DGX H100 request with its host topology read, under <paramref name="mode"/>.</summary>
    public static PlanRequest Build(string mode)
    {
        string path = Path.Combine(RepoPaths.Root, "fixtures", "hosts", "dgx-h100", "request.json");
        var (request, error) = PlanJson.ReadRequest(File.ReadAllText(path));
        if (error is not null) throw new InvalidOperationException(error.Message);
        (request, error) = HostTopologies.ResolveFile(request!, Path.GetDirectoryName(path)!);
        if (error is not null) throw new InvalidOperationException(error.Message);
        var tunables = request!.Policy.Tunables! with { Mirror = new Tunable<string> { Value = mode } };
        return request with { Policy = request.Policy with { Tunables = tunables } };
    }

    [GlobalSetup]
    public void Setup()
    {
        _request = Build(Mode);
        if (OptimizingPlanner.Plan(_request) is not PlanResult.Success { Plan.Solver.Status: "optimal" })
            throw new InvalidOperationException($"the DGX H100 guest under mirror {Mode} is not solved to a proven optimum");
    }

    /// <summary>Plan to a proven optimum.</summary>
    [Benchmark]
    public PlanResult Plan() => OptimizingPlanner.Plan(_request);
}
