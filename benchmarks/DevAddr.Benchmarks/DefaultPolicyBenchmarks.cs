using BenchmarkDotNet.Attributes;
using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;

namespace DevAddr.Benchmarks;

/// <summary>The default (libvirt) policy on one guest size, for each machine: plan, and plan + JSON.</summary>
public abstract class DefaultPolicyBenchmarks
{
    private PlanRequest _request = null!;

    /// <summary>The machine type.</summary>
    [ParamsSource(nameof(MachineNames))]
    public string Machine { get; set; } = "q35";

    /// <summary>Machines benchmarked.</summary>
    public static IEnumerable<string> MachineNames => Guests.Machines;

    /// <summary>The guest size of this class.</summary>
    protected abstract string Size { get; }

    [GlobalSetup]
    public void Setup()
    {
        _request = Guests.Create(Machine, Size);
        if (AddressPlanner.Plan(_request) is PlanResult.Failure f)
            throw new InvalidOperationException($"benchmark guest {Machine}/{Size} does not plan: {f.Error.Message}");
    }

    /// <summary>Planning alone.</summary>
    [Benchmark]
    public PlanResult Plan() => AddressPlanner.Plan(_request);

    /// <summary>Planning and writing the plan as JSON (what <c>devaddr plan</c> does after reading).</summary>
    [Benchmark]
    public string PlanToJson() => AddressPlanner.Plan(_request) is PlanResult.Success s ? PlanJson.Serialize(s.Plan) : "";
}

/// <summary>A small guest (~10 devices).</summary>
[MemoryDiagnoser]
[MedianColumn]
public class SmallGuestBenchmarks : DefaultPolicyBenchmarks
{
    /// <inheritdoc />
    protected override string Size => "small";
}

/// <summary>A medium guest (~35 devices).</summary>
[MemoryDiagnoser]
[MedianColumn]
public class MediumGuestBenchmarks : DefaultPolicyBenchmarks
{
    /// <inheritdoc />
    protected override string Size => "medium";
}

/// <summary>A large guest (~170 devices, bridges/root ports added).</summary>
[MemoryDiagnoser]
[MedianColumn]
public class LargeGuestBenchmarks : DefaultPolicyBenchmarks
{
    /// <inheritdoc />
    protected override string Size => "large";
}
