using DevAddr.Core.Model;
using static DevAddr.Solver.Tests.PlanHelpers;

namespace DevAddr.Solver.Tests;

/// <summary>Root-port resource reserves (QEMU's bus/io/mem/pref32/pref64-reserve) as planner tunables.</summary>
public sealed class PortReserveTests
{
    private const long GiB = 1L << 30, MiB = 1L << 20;

    private static IEnumerable<Device> RootPorts(Plan plan) => plan.Devices.Where(d => d.Model == "pcie-root-port");

    private static bool Empty(Plan plan, Device port) =>
        !plan.Devices.Any(d => d.Address is PciAddress a && a.Bus == port.Index && !ReferenceEquals(d, port));

    [Fact]
    public void SparePortReserve_GoesToExactlyTheSparePortsTheyAdd()
    {
        var spare = new PortReserve { Bus = 1, Io = 0, Mem = 32 * MiB, Pref64 = 4 * GiB };
        var plan = PlanOk(Q35(Nic("nic0"), Disk("vda", "vda")).With(new Tunables { HotplugReserve = Req(3), SparePortReserve = spare }));
        var ports = RootPorts(plan).ToList();
        var empty = ports.Where(p => Empty(plan, p)).ToList();
        Assert.Equal(3, empty.Count);
        Assert.All(empty, p => Assert.Equal(spare, p.Controller!.Reserve));
        Assert.All(ports.Except(empty), p => Assert.Null(p.Controller!.Reserve));
    }

    [Fact]
    public void DevicePortReserve_DeviceGetsANewPortCarryingIt()
    {
        var reserve = new PortReserve { Bus = 2, Pref64 = 32 * GiB - 64 * MiB };
        var gpu = new Device
        {
            Id = "gpu", Kind = "hostdev", Type = "pci", Host = new HostDevice { Address = "0000:3b:00.0" },
            Tunables = new DeviceTunables { PortReserve = reserve, Hotpluggable = Req(false) },
        };
        var plan = PlanOk(Q35(Nic("nic0"), gpu));
        var port = plan.Bus(plan.Pci("gpu").Bus);
        Assert.Equal("pcie-root-port", port.Model);
        Assert.Equal(reserve, port.Controller!.Reserve);
        Assert.False(port.Controller.Hotplug); // the device's other tunables still hold
        Assert.Null(plan.Bus(plan.Pci("nic0").Bus).Controller!.Reserve);
    }

    [Fact]
    public void DevicePortReserve_NeverOnAnExistingEmptyPort()
    {
        var first = PlanOk(Q35(Nic("nic0")).With(new Tunables { HotplugReserve = Req(2) }));
        var emptyBefore = RootPorts(first).Where(p => Empty(first, p)).Select(p => p.Index).ToList();
        Assert.Equal(2, emptyBefore.Count);
        var next = Q35(Nic("nic0"), Nic("nic1", t: new DeviceTunables { PortReserve = new PortReserve { Mem = 64 * MiB } })) with
        {
            Prior = new PriorLayout { Devices = first.Devices },
        };
        var plan = PlanOk(next);
        var port = plan.Bus(plan.Pci("nic1").Bus);
        Assert.DoesNotContain(port.Index, emptyBefore);
        Assert.Equal(64 * MiB, port.Controller!.Reserve!.Mem);
        Assert.Empty(plan.Stability!.Moved);
    }

    [Fact]
    public void SparePortReserve_Pref64CountsInThe64BitBudget()
    {
        // 8 spare ports × 8 GiB = 64 GiB > the 32 GiB 64-bit window: infeasible, and the explanation names both.
        var error = PlanFails(Q35(Nic("nic0")).With(new Tunables { HotplugReserve = Req(8), SparePortReserve = new PortReserve { Pref64 = 8 * GiB } }));
        Assert.Equal(ErrorCodes.Infeasible, error.Code);
        Assert.Contains("64-bit MMIO window", error.Message);
        Assert.Contains("8 spare hot-pluggable root ports", error.Message);

        // Preferred instead of required: the plan keeps as many spare ports as fit (3 × 8 GiB with the NIC's BAR).
        var plan = PlanOk(Q35(Nic("nic0")).With(new Tunables { HotplugReserve = Pref(8), SparePortReserve = new PortReserve { Pref64 = 8 * GiB } }));
        int spare = RootPorts(plan).Count(p => Empty(plan, p));
        Assert.Equal(3, spare);
        Assert.Equal("hotplugReserve", Assert.Single(plan.Solver!.Unmet).Tunable);
    }

    [Fact]
    public void SparePortReserve_BusReserveCountsInTheBusNumberBudget()
    {
        var t = new Tunables { HotplugReserve = Req(4), SparePortReserve = new PortReserve { Bus = 3 }, Budgets = new Budgets { BusNumbers = 12 } };
        var error = PlanFails(Q35(Nic("nic0")).With(t));
        Assert.Contains("at most 12 PCI bus numbers", error.Message);
        // 1 (root) + 1 (NIC port) + 4 × (1 + 3) = 18 bus numbers.
        PlanOk(Q35(Nic("nic0")).With(t with { Budgets = new Budgets { BusNumbers = 18 } }));
    }

    [Fact]
    public void SparePortReserve_BusReserveBehindAnExpander_BusNrRangeLeavesRoomForIt()
    {
        var t = new Tunables
        {
            HotplugReservePerNode = new Dictionary<string, Tunable<int>> { ["1"] = Req(2) },
            SparePortReserve = new PortReserve { Bus = 4 },
        };
        var plan = PlanOk((Q35(Nic("nic0", t: new DeviceTunables { NumaNode = Req(1) })) with { NumaNodes = 2 }).With(t));
        var expander = plan.Devices.Single(d => d.Model == "pcie-expander-bus");
        // The expander's own bus, the NIC's port, two spare ports with 4 reserved bus numbers each: 1 + 1 + 2 × 5.
        Assert.True(256 - expander.Controller!.BusNr!.Value >= 12, $"busNr {expander.Controller.BusNr}");
    }

    [Fact]
    public void SparePortReserve_IoReserveCountsInTheIoBudget()
    {
        var t = new Tunables { HotplugReserve = Req(4), SparePortReserve = new PortReserve { Io = 16 << 10 } };
        var error = PlanFails(Q35(Nic("nic0")).With(t));
        Assert.Contains("I/O space", error.Message);
        PlanOk(Q35(Nic("nic0")).With(t with { SparePortReserve = new PortReserve { Io = 8 << 10 } }));
    }

    [Theory]
    [InlineData(null, 1L, 1L, "cannot both be set")]
    [InlineData(null, null, 4L << 30, null)]
    [InlineData(255, null, null, "outside 0-254")]
    public void InvalidReserve_RefusedWithTheRule(int? bus, long? pref32, long? mem, string? text)
    {
        var r = new PortReserve { Bus = bus, Pref32 = pref32, Pref64 = text == "cannot both be set" ? 1 : null, Mem = mem };
        var error = PlanFails(Q35(Nic("nic0", t: new DeviceTunables { PortReserve = r })));
        Assert.Equal(ErrorCodes.InvalidInput, error.Code);
        Assert.Equal("port-reserve", error.Rule);
        Assert.Equal("nic0", error.DeviceId);
        Assert.Contains(text ?? "less than 4 GiB", error.Message);
    }

    [Fact]
    public void DevicePortReserve_OnAMachineWithoutRootPorts_Refused()
    {
        var request = Q35(Nic("nic0", t: new DeviceTunables { PortReserve = new PortReserve { Pref64 = GiB } })) with { Machine = new MachineSpec("x86_64", "pc") };
        var error = PlanFails(request);
        Assert.Equal("port-reserve", error.Rule);
        Assert.Equal("nic0", error.DeviceId);
        Assert.Contains("no PCI Express root ports", error.Message);
    }

    [Fact]
    public void SparePortReserve_OnAMachineWithoutRootPorts_HasNothingToApplyTo()
    {
        // One policy file for a mixed fleet: on pc the spare places are root-bus slots, which carry no reserve.
        var request = Q35(Nic("nic0")) with { Machine = new MachineSpec("x86_64", "pc") };
        var plan = PlanOk(request.With(new Tunables { HotplugReserve = Req(2), SparePortReserve = new PortReserve { Pref64 = GiB } }));
        Assert.DoesNotContain(plan.Devices, d => d.Controller?.Reserve is not null);
        Assert.True(plan.Summary.FreeHotplugSlots >= 2);
    }

    [Fact]
    public void Scenario_GpuHotplugPortReserves_ReservesAndBudgetsHold()
    {
        var plan = PlanOk(Load("gpu-hotplug-port-reserves"));
        var gpuPort = plan.Bus(plan.Pci("gpu0").Bus);
        Assert.Equal(16 * GiB, gpuPort.Controller!.Reserve!.Pref64);
        var spare = RootPorts(plan).Where(p => Empty(plan, p)).ToList();
        Assert.Equal(2, spare.Count);
        Assert.All(spare, p => Assert.Equal(4 * GiB, p.Controller!.Reserve!.Pref64));
        Assert.Equal("optimal", plan.Solver!.Status);
    }
}
