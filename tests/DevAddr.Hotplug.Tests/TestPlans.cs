using DevAddr.Core;
using DevAddr.Core.Catalog;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Solver;

namespace DevAddr.Hotplug.Tests;

/// <summary>Small layouts and devices for the API tests, planned with our own planner.</summary>
internal static class TestPlans
{
    public static Device Nic(string id, string model = "virtio", PciAddress? at = null) =>
        new() { Id = id, Kind = "interface", Type = "user", Model = model, Address = at };

    public static Device Gpu(string id, string host = "0000:3b:00.0", string pref = "16G") => new()
    {
        Id = id,
        Kind = "hostdev",
        Type = "pci",
        Host = new HostDevice { Address = host },
        Tunables = new DeviceTunables { Bars = [new BarSpec(pref, "mem64pref"), new BarSpec("16M", "mem32")] },
    };

    public static Plan Plan(string machine, params Device[] devices) => Plan(new PlanRequest { Machine = new MachineSpec("x86_64", machine), Devices = devices });

    public static Plan Plan(PlanRequest request)
    {
        var plan = Assert.IsType<PlanResult.Success>(OptimizingPlanner.Plan(request)).Plan;
        Assert.Empty(AddressPlanner.Validate(plan));
        return plan;
    }

    public static HotplugReport Check(Plan layout, IReadOnlyList<Device> devices, HotplugOptions? options = null) =>
        Assert.IsType<HotplugCheckResult.Checked>(AddressPlanner.HotplugCheck(layout, devices, options)).Report;

    public static PlanError Fails(Plan layout, IReadOnlyList<Device> devices, HotplugOptions? options = null) =>
        Assert.IsType<HotplugCheckResult.Failure>(AddressPlanner.HotplugCheck(layout, devices, options)).Error;

    public static int IndexOfFreePort(Plan layout) =>
        layout.Devices.Where(d => d.Kind == "controller" && d.Type == "pci" && d.Model == "pcie-root-port")
            .Select(d => d.Index ?? 0)
            .First(i => !layout.Devices.Any(o => o.Address is PciAddress a && a.Bus == i));
}
