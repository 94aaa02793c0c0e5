using DevAddr.Core.Model;
using static DevAddr.Solver.Tests.PlanHelpers;

namespace DevAddr.Solver.Tests;

public sealed class CpSatPciEngineTests
{
    [Fact]
    public void Plan_NumaAffinityRequired_DevicesSitUnderExpanderOfTheirNode()
    {
        var plan = PlanOk(Load("numa-4-nodes-nics-on-2"));
        Assert.Equal(1, plan.NodeOf("nic0"));
        Assert.Equal(3, plan.NodeOf("nic1"));
        Assert.Equal(1, plan.NodeOf("nic2"));
        Assert.Equal(3, plan.NodeOf("nic3"));
        Assert.Null(plan.NodeOf("vda"));
        var expanders = plan.Devices.Where(d => d.Model == "pcie-expander-bus").ToList();
        Assert.Equal([1, 3], expanders.Select(e => e.Controller!.NumaNode!.Value).Order());
        Assert.All(expanders, e => Assert.InRange(e.Controller!.BusNr!.Value, 1, 254));
    }

    [Fact]
    public void Plan_NumaAffinityPreferred_CostReportedWhenUnmet()
    {
        var request = Q35(Nic("nic0", t: new DeviceTunables { NumaNode = Pref(1, 50) })) with { NumaNodes = 2 };
        var plan = PlanOk(request.With(new Tunables { Budgets = new Budgets { BusNumbers = 3 } }));
        // Two bus numbers are left after the root: one root port for the NIC, none for an expander (it needs two).
        Assert.Null(plan.NodeOf("nic0"));
        var unmet = Assert.Single(plan.Solver!.Unmet);
        Assert.Equal("numaNode", unmet.Tunable);
        Assert.Equal("nic0", unmet.DeviceId);
        Assert.Equal(50, plan.Solver.Breakdown["numaNode"]);
    }

    [Fact]
    public void Plan_HotplugReserve16_KeepsSixteenEmptyHotpluggableRootPorts()
    {
        var plan = PlanOk(Load("spare-16-root-ports"));
        Assert.True(plan.Summary.FreeRootPorts >= 16, $"free root ports {plan.Summary.FreeRootPorts}");
        Assert.Equal("optimal", plan.Solver!.Status);
    }

    [Fact]
    public void Plan_HotplugReservePerNode_SparePortsUnderThatNode()
    {
        var request = Q35(Nic("nic0", t: new DeviceTunables { NumaNode = Req(1) })) with { NumaNodes = 2 };
        var plan = PlanOk(request.With(new Tunables
        {
            HotplugReservePerNode = new Dictionary<string, Tunable<int>> { ["1"] = Req(3) },
        }));
        var occupied = plan.Devices.Select(d => d.Address).OfType<PciAddress>().Select(a => a.Bus).ToHashSet();
        int spareOnNode1 = plan.Devices.Count(d => d.Model == "pcie-root-port" && !occupied.Contains(d.Index!.Value)
                                                   && NodeOfBus(plan, d.Index!.Value) == 1);
        Assert.Equal(3, spareOnNode1);
    }

    private static int? NodeOfBus(Plan plan, int bus)
    {
        for (int guard = 0; guard < 64 && bus != 0; guard++)
        {
            var c = plan.Bus(bus);
            if (c.Controller?.NumaNode is int n) return n;
            bus = ((PciAddress)c.Address!).Bus;
        }
        return null;
    }

    [Fact]
    public void Plan_BusKindPciOnQ35_DevicesGoBehindAPcieToPciBridge()
    {
        var plan = PlanOk(Load("e1000-conventional-q35"));
        Assert.Equal("pcie-to-pci-bridge", plan.Bus(plan.Pci("legacy").Bus).Model);
        Assert.Equal("pcie-to-pci-bridge", plan.Bus(plan.Pci("virtio-on-pci").Bus).Model);
        Assert.Equal("pcie-root-port", plan.Bus(plan.Pci("nic0").Bus).Model);
    }

    [Fact]
    public void Plan_BusKindPcieForLegacyDevice_GoesBehindARootPort()
    {
        var plan = PlanOk(Q35(Nic("old", "e1000", new DeviceTunables { BusKind = Req("pcie") })));
        Assert.Equal("pcie-root-port", plan.Bus(plan.Pci("old").Bus).Model);
    }

    [Fact]
    public void Plan_NotHotpluggable_DevicesOnTheRootBus()
    {
        var plan = PlanOk(Load("all-on-root-bus"));
        foreach (var id in new[] { "vda", "nic0", "nic1" })
        {
            Assert.False(plan.InHotplugPlace(id), id);
            Assert.Equal(0, plan.Pci(id).Bus);
        }
    }

    [Fact]
    public void Plan_OccupiedPortHotplugOff_OccupiedPortsOffSparePortsOn()
    {
        var plan = PlanOk(Load("occupied-ports-no-hotplug"));
        Assert.False(plan.InHotplugPlace("vda"));
        Assert.False(plan.InHotplugPlace("vdb"));
        Assert.True(plan.InHotplugPlace("nic0"));
        Assert.True(plan.Summary.FreeRootPorts >= 4);
    }

    [Fact]
    public void Plan_MultifunctionGroup_SharesOneSlotAsFunctions()
    {
        var plan = PlanOk(Load("multifunction-group"));
        var addrs = Enumerable.Range(0, 4).Select(i => plan.Pci($"nic{i}")).ToList();
        Assert.Single(addrs.Select(a => (a.Bus, a.Slot)).Distinct());
        Assert.Equal([0, 1, 2, 3], addrs.Select(a => a.Function));
        Assert.True(addrs[0].Multifunction);
    }

    [Fact]
    public void Plan_IoBudgetExceeded_InfeasibleNamesTheBudgetAndTheDevices()
    {
        var error = PlanFails(Load("io-budget-infeasible"));
        Assert.Equal(ErrorCodes.Infeasible, error.Code);
        Assert.Contains("I/O space of 60 KiB", error.Message);
        Assert.Contains("'nic0'", error.Message);
    }

    [Fact]
    public void Plan_ConflictingRequirements_InfeasibleNamesExactlyTheConflict()
    {
        var error = PlanFails(Load("conflicting-requirements"));
        Assert.Equal(ErrorCodes.Infeasible, error.Code);
        Assert.Equal("nic0", error.DeviceId);
        Assert.Contains("in a place without hotplug", error.Message);
        Assert.Contains("on conventional PCI", error.Message);
        Assert.DoesNotContain("MMIO", error.Message);
    }

    [Fact]
    public void Plan_BusNumberBudget_TradesPortsForRootBusSlots()
    {
        var devices = Enumerable.Range(0, 10).Select(i => Nic($"nic{i}")).ToArray();
        var plan = PlanOk(Q35(devices).With(new Tunables { Budgets = new Budgets { BusNumbers = 8 } }));
        Assert.True(plan.Summary.PciBuses <= 8, $"{plan.Summary.PciBuses} buses");
        Assert.Contains(devices, d => plan.Pci(d.Id).Bus == 0);
    }

    [Fact]
    public void Plan_BusNumberBudgetWithHotplugRequired_InfeasibleNamesTheBudget()
    {
        var devices = Enumerable.Range(0, 10).Select(i => Nic($"nic{i}", t: new DeviceTunables { Hotpluggable = Req(true) })).ToArray();
        var error = PlanFails(Q35(devices).With(new Tunables { Budgets = new Budgets { BusNumbers = 2 } }));
        Assert.Equal(ErrorCodes.Infeasible, error.Code);
        Assert.Contains("at most 2 PCI bus numbers", error.Message);
    }

    [Fact]
    public void Plan_Mmio64Budget_LargeBarsDoNotFit()
    {
        var bars = new[] { new Core.Catalog.BarSpec("16G", "mem64pref") };
        var request = Q35(
            new Device { Id = "gpu0", Kind = "hostdev", Type = "pci", Tunables = new DeviceTunables { Bars = bars } },
            new Device { Id = "gpu1", Kind = "hostdev", Type = "pci", Tunables = new DeviceTunables { Bars = bars } });
        var error = PlanFails(request.With(new Tunables { Budgets = new Budgets { Mmio64Bytes = 24L << 30 } }));
        Assert.Contains("64-bit MMIO window", error.Message);
        PlanOk(request.With(new Tunables { Budgets = new Budgets { Mmio64Bytes = 40L << 30 } }));
    }

    [Fact]
    public void Plan_PcHotplugReserve_LeavesFreeRootSlots()
    {
        var plan = PlanOk(Load("pc-hotplug-reserve"));
        Assert.True(plan.Summary.FreeHotplugSlots >= 8);
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(0, plan.Pci($"nic{i}").Bus));
    }

    [Fact]
    public void Plan_TwoHundredDisks_AllPlacedProvenOptimal()
    {
        var plan = PlanOk(Load("disks-200"));
        Assert.Equal("optimal", plan.Solver!.Status);
        Assert.Equal(200, plan.Devices.Count(d => d.Kind == "disk" && d.Address is PciAddress));
    }

    [Fact]
    public void Plan_PreferredNumaNodeForGpu_MetWithoutCost()
    {
        var plan = PlanOk(Load("gpu-numa-node-prefer"));
        Assert.Equal(2, plan.NodeOf("gpu0"));
        Assert.Empty(plan.Solver!.Unmet);
    }

    [Fact]
    public void Plan_UnknownNumaNode_InvalidInput()
    {
        var request = Q35(Nic("nic0", t: new DeviceTunables { NumaNode = Req(5) })) with { NumaNodes = 2 };
        var error = PlanFails(request);
        Assert.Equal(ErrorCodes.InvalidInput, error.Code);
        Assert.Equal("nic0", error.DeviceId);
    }

    [Fact]
    public void Plan_MixedTunables_EveryHardTunableHolds()
    {
        var request = Q35(
            Nic("n0", t: new DeviceTunables { NumaNode = Req(0), Hotpluggable = Req(false) }),
            Nic("n1", "e1000", new DeviceTunables { BusKind = Req("pci"), NumaNode = Req(1) }),
            Disk("vda", "vda", new DeviceTunables { Hotpluggable = Req(true) }),
            Disk("vdb", "vdb", new DeviceTunables { Group = "g" }),
            Disk("vdc", "vdc", new DeviceTunables { Group = "g" })) with { NumaNodes = 2 };
        var plan = PlanOk(request.With(new Tunables { HotplugReserve = Req(2) }));
        Assert.Equal(0, plan.NodeOf("n0"));
        Assert.False(plan.InHotplugPlace("n0"));
        Assert.Equal(1, plan.NodeOf("n1"));
        Assert.Equal("pcie-to-pci-bridge", plan.Bus(plan.Pci("n1").Bus).Model);
        Assert.True(plan.InHotplugPlace("vda"));
        Assert.Equal((plan.Pci("vdb").Bus, plan.Pci("vdb").Slot), (plan.Pci("vdc").Bus, plan.Pci("vdc").Slot));
        Assert.True(plan.Summary.FreeRootPorts >= 2);
    }

    [Fact]
    public void Plan_PackingDistinctSlots_DevicesInRootBusSlotsNoPortsAdded()
    {
        var plan = PlanOk(Q35(Nic("a"), Nic("b"), Disk("c", "vda")).With(new Tunables { Packing = "distinct-slots" }));
        Assert.Equal(0, plan.Summary.RootPorts);
        Assert.Equal(3, new[] { "a", "b", "c" }.Select(id => (plan.Pci(id).Bus, plan.Pci(id).Slot)).Distinct().Count());
    }

    [Fact]
    public void Plan_UnknownPacking_InvalidInput()
    {
        var error = PlanFails(Q35(Nic("a")).With(new Tunables { Packing = "sideways" }));
        Assert.Equal(ErrorCodes.InvalidInput, error.Code);
        Assert.Equal("packing", error.Rule);
    }

    [Fact]
    public void Plan_PriorLayoutWithMovesAllowed_MovesOnlyWhenATunableNeedsIt()
    {
        var first = PlanOk(Q35(Nic("a"), Nic("b")));
        var next = Q35(Nic("a", t: new DeviceTunables { Hotpluggable = Req(false) }), Nic("b")) with
        {
            Prior = new PriorLayout { Devices = first.Devices, AllowMoves = true, MoveWeight = 5 },
        };
        var plan = PlanOk(next);
        Assert.Equal(first.Pci("b"), plan.Pci("b"));
        Assert.False(plan.InHotplugPlace("a"));
        var move = Assert.Single(plan.Stability!.Moved);
        Assert.Equal("a", move.Id);
        Assert.Equal(5, plan.Solver!.Breakdown["moves"]);
    }

    [Fact]
    public void Plan_PriorLayoutWithoutMoves_RequirementThatNeedsAMoveIsInfeasible()
    {
        var first = PlanOk(Q35(Nic("a")));
        var next = Q35(Nic("a", t: new DeviceTunables { Hotpluggable = Req(false) })) with
        {
            Prior = new PriorLayout { Devices = first.Devices },
        };
        // The prior address is kept (pinned), so the device stays in its hot-pluggable root port: the plan keeps
        // the ABI and the tunable does not apply to a device that already has an address.
        var plan = PlanOk(next);
        Assert.Equal(first.Pci("a"), plan.Pci("a"));
        Assert.Empty(plan.Stability!.Moved);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("12Q")]
    [InlineData("-4K")]
    [InlineData("99999999999T")]
    public void Plan_BadBarSize_InvalidInputNamingTheDevice(string size)
    {
        var request = Q35(new Device
        {
            Id = "gpu", Kind = "hostdev", Type = "pci",
            Tunables = new DeviceTunables { Bars = [new Core.Catalog.BarSpec(size, "mem64pref")] },
        });
        var error = PlanFails(request);
        Assert.Equal(ErrorCodes.InvalidInput, error.Code);
        Assert.Equal("gpu", error.DeviceId);
        Assert.Equal("bar-size", error.Rule);
    }

    [Fact]
    public void Plan_PcPerNodeReserve_InfeasibleBecauseExpanderSlotsAreNotHotpluggable()
    {
        var request = new PlanRequest
        {
            Machine = new MachineSpec("x86_64", "pc"),
            NumaNodes = 2,
            Devices = [Nic("n", "e1000", new DeviceTunables { NumaNode = Req(1) })],
        }.With(new Tunables { HotplugReservePerNode = new Dictionary<string, Tunable<int>> { ["1"] = Req(2) } });
        var error = PlanFails(request);
        Assert.Equal(ErrorCodes.Infeasible, error.Code);
        Assert.Contains("NUMA node 1", error.Message);
    }
}
