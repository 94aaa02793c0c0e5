using DevAddr.Cli.Whatif;
using DevAddr.Core.Catalog;
using DevAddr.Core.Model;

namespace DevAddr.Whatif.Tests;

public sealed class PlanMetricsTests
{
    private static Device Pci(string id, string model, int index, PciAddress? at, ControllerOptions? options = null, bool added = true) => new()
    {
        Id = id, Kind = "controller", Type = "pci", Model = model, Index = index, Address = at, Controller = options, Added = added,
    };

    private static PciAddress At(int bus, int slot, int function = 0) => new(0, bus, slot, function);

    /// <summary>
    /// q35 with one pxb-pcie (node 0) holding two root ports: an e1000e (I/O BAR, wants node 1) on one, the other empty;
    /// a virtio NIC (no I/O BAR) on a root port of the main hierarchy, and a pcie-to-pci-bridge with a virtio-transitional disk.
    /// </summary>
    private static (Plan Plan, PlanRequest Request) Layout()
    {
        Device[] devices =
        [
            Pci("pci0", "pcie-root", 0, null),
            Pci("pci1", "pcie-expander-bus", 1, At(0, 1), new ControllerOptions { BusNr = 254, NumaNode = 0 }),
            Pci("pci2", "pcie-root-port", 2, At(1, 0)),
            Pci("pci3", "pcie-root-port", 3, At(1, 0, 1)),
            Pci("pci4", "pcie-root-port", 4, At(0, 2), added: false),
            Pci("pci5", "pcie-root-port", 5, At(0, 2, 1)),
            Pci("pci6", "pcie-to-pci-bridge", 6, At(5, 0)),
            new() { Id = "nic0", Kind = "interface", Model = "e1000e", Address = At(2, 0),
                Tunables = new DeviceTunables { NumaNode = new Tunable<int> { Value = 1 } } },
            new() { Id = "nic1", Kind = "interface", Model = "virtio", Address = At(4, 0),
                Tunables = new DeviceTunables { NumaNode = new Tunable<int> { Value = 0, Mode = TunableModes.Prefer } } },
            new() { Id = "vda", Kind = "disk", Bus = "virtio", Model = "virtio-transitional", Address = At(6, 1) },
        ];
        var plan = new Plan
        {
            Machine = new MachineSpec("x86_64", "q35"),
            Policy = PolicySpec.Optimize,
            Devices = devices,
            Summary = new PlanSummary { Devices = devices.Length, RootPorts = 4, FreeHotplugSlots = 31, FreeRootPorts = 1 },
        };
        return (plan, new PlanRequest { Machine = plan.Machine, NumaNodes = 2, Devices = [] });
    }

    [Fact]
    public void Of_HandBuiltLayout_CountsEveryFigure()
    {
        var (plan, request) = Layout();

        var m = PlanMetrics.Of(plan, request, DeviceCatalog.Default);

        Assert.Equal(5, m.ControllersAdded); // pci4 was not added; the root is not counted
        Assert.Equal(4, m.RootPorts);
        Assert.Equal(31, m.SparePlaces);
        Assert.Equal(1, m.SpareRootPorts);
        Assert.Equal(new Dictionary<int, int> { [0] = 1, [1] = 0 }, m.SpareByNode); // pci3 behind the node-0 expander
        Assert.Equal(1 + 1 + 4 + 1, m.BusNumbers);
        Assert.Equal(3, m.IoWindows); // pci2 (e1000e); pci5 and pci6 (virtio-transitional); not pci4 (modern virtio)
        Assert.Equal(3 * PlanMetrics.IoWindowBytes, m.IoBytes);
        Assert.Equal((128 + 128 + 4 + 4) << 10, m.Mmio32Bytes);
        Assert.Equal((16 + 16) << 10, m.Mmio64Bytes);
        Assert.Equal(2, m.NumaMisses); // nic0 wants node 1 (sits on node 0), nic1 wants node 0 (sits on the main hierarchy)
        Assert.Null(m.Moved);
        Assert.Null(m.Objective);
        Assert.Equal("planned", m.Status);
    }

    [Fact]
    public void Of_DeviceBarsTunable_ReplacesTheCatalogBars()
    {
        var (plan, request) = Layout();
        var gpu = plan.Devices[^1] with { Tunables = new DeviceTunables { Bars = [new BarSpec("16G", "mem64pref"), new BarSpec("16M", "mem32")] } };
        plan = plan with { Devices = [.. plan.Devices.Take(plan.Devices.Count - 1), gpu] };

        var m = PlanMetrics.Of(plan, request with { Prior = new PriorLayout { Devices = [] } }, DeviceCatalog.Default);

        Assert.Equal((16L << 30) + (16 << 10), m.Mmio64Bytes);
        Assert.Equal((128 + 128 + 4) * 1024L + (16 << 20), m.Mmio32Bytes);
        Assert.Equal(1, m.IoWindows);
        Assert.Equal(0, m.Moved);
    }
}
