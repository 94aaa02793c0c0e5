using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;

namespace DevAddr.Solver.Tests;

internal static class PlanHelpers
{
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DevAddr.Solver.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    public static PlanRequest Load(string scenario)
    {
        var (request, error) = PlanJson.ReadRequest(File.ReadAllText(Path.Combine(RepoRoot, "fixtures", "scenarios", scenario + ".json")));
        Assert.Null(error);
        return request!;
    }

    public static Plan PlanOk(PlanRequest request)
    {
        var result = OptimizingPlanner.Plan(request);
        var success = Assert.IsType<PlanResult.Success>(result);
        var violations = AddressPlanner.Validate(success.Plan);
        Assert.True(violations.Count == 0, "validator: " + string.Join("; ", violations.Select(v => v.Message)));
        return success.Plan;
    }

    public static PlanError PlanFails(PlanRequest request) =>
        Assert.IsType<PlanResult.Failure>(OptimizingPlanner.Plan(request)).Error;

    public static Device Dev(this Plan plan, string id) => plan.Devices.Single(d => d.Id == id);

    public static PciAddress Pci(this Plan plan, string id) => Assert.IsType<PciAddress>(plan.Dev(id).Address);

    public static Device Bus(this Plan plan, int index) =>
        plan.Devices.Single(d => d.Kind == "controller" && d.Type == "pci" && d.Index == index);

    /// <summary>The NUMA node of the expander bus a device sits under, or null on the main hierarchy.</summary>
    public static int? NodeOf(this Plan plan, string id)
    {
        int bus = plan.Pci(id).Bus;
        for (int guard = 0; guard < 64 && bus != 0; guard++)
        {
            var c = plan.Bus(bus);
            if (c.Controller?.NumaNode is int n) return n;
            bus = ((PciAddress)c.Address!).Bus;
        }
        return null;
    }

    /// <summary>The index of the expander bus a device sits under (-1 on the main hierarchy).</summary>
    public static int ExpanderOf(this Plan plan, string id) =>
        plan.Upstream(id).FirstOrDefault(c => c.Model is "pcie-expander-bus" or "pci-expander-bus")?.Index ?? -1;

    /// <summary>The index of the switch upstream port a device sits under, or null.</summary>
    public static int? SwitchOf(this Plan plan, string id) =>
        plan.Upstream(id).FirstOrDefault(c => c.Model == "pcie-switch-upstream-port")?.Index;

    /// <summary>The PCI controllers above a device, nearest first.</summary>
    public static IEnumerable<Device> Upstream(this Plan plan, string id)
    {
        int bus = plan.Pci(id).Bus;
        for (int guard = 0; guard < 64 && bus != 0; guard++)
        {
            var c = plan.Bus(bus);
            yield return c;
            bus = ((PciAddress)c.Address!).Bus;
        }
    }

    /// <summary>True when the device is in a hot-pluggable place.</summary>
    public static bool InHotplugPlace(this Plan plan, string id)
    {
        var bus = plan.Bus(plan.Pci(id).Bus);
        return bus.Model switch
        {
            "pcie-root" => false,
            "pcie-root-port" or "pcie-switch-downstream-port" => bus.Controller?.Hotplug != false,
            _ => bus.Controller?.Hotplug != false,
        };
    }

    public static PlanRequest With(this PlanRequest r, Tunables t) => r with { Policy = r.Policy with { Name = PolicySpec.Optimize, Tunables = t } };

    public static PlanRequest Q35(params Device[] devices) => new()
    {
        Machine = new MachineSpec("x86_64", "q35"),
        Policy = new PolicySpec { Name = PolicySpec.Optimize },
        Devices = devices,
    };

    public static Device Nic(string id, string model = "virtio", DeviceTunables? t = null) =>
        new() { Id = id, Kind = "interface", Model = model, Tunables = t };

    public static Device Disk(string id, string target, DeviceTunables? t = null) =>
        new() { Id = id, Kind = "disk", Bus = "virtio", Target = target, Tunables = t };

    public static Tunable<T> Req<T>(T v) => new() { Value = v };
    public static Tunable<T> Pref<T>(T v, int w = 100) => new() { Value = v, Mode = TunableModes.Prefer, Weight = w };
}
