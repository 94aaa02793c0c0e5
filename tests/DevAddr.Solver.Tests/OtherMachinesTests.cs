using DevAddr.Core.Model;

namespace DevAddr.Solver.Tests;

/// <summary>
/// The optimize policy on pseries, s390x and riscv64: NUMA placement through extra PCI host bridges on pseries, and
/// precise refusals where a tunable has no meaning on the machine (no bus carrying a NUMA node, no PCI Express, a
/// device that is not on PCI at all).
/// </summary>
public sealed class OtherMachinesTests
{
    private static PlanRequest On(PlanRequest request, string arch, string machine) =>
        request with { Machine = new MachineSpec(arch, machine) };

    private static PlanRequest WithTunables(PlanRequest request, string id, DeviceTunables tunables) =>
        request with { Devices = [.. request.Devices.Select(d => d.Id == id ? d with { Tunables = tunables } : d)] };

    [Fact]
    public void Pseries_DevicesOfNumaNodes_SitOnAddedPciHostBridgesOfThoseNodes()
    {
        var plan = PlanHelpers.PlanOk(PlanHelpers.Load("pseries-numa-host-bridges"));

        Assert.Equal(1, plan.NodeOf("nic0"));
        Assert.Equal(1, plan.NodeOf("nic2"));
        Assert.Equal(3, plan.NodeOf("nic1"));
        Assert.Equal(2, plan.NodeOf("gpu0"));
        Assert.Null(plan.NodeOf("vda"));
        // One host bridge per node: a root bus of its own (no address), spapr-pci-host-bridge with a target index.
        var bridges = plan.Devices.Where(d => d is { Kind: "controller", Type: "pci" } && d.Index != 0).ToList();
        Assert.Equal(3, bridges.Count);
        Assert.All(bridges, b =>
        {
            Assert.Equal("pci-root", b.Model);
            Assert.Null(b.Address);
            Assert.Equal("spapr-pci-host-bridge", b.Controller!.ModelName);
            Assert.NotNull(b.Controller.TargetIndex);
            Assert.Contains("PCI host bridge", b.Reason, StringComparison.Ordinal);
        });
        Assert.Equal([1, 2, 3], bridges.Select(b => b.Controller!.NumaNode!.Value).Order());
        // A host bridge's slots are 1-31, as on the default one.
        Assert.Equal(1, plan.Pci("nic0").Slot);
        Assert.Equal("optimal", plan.Solver!.Status);
        Assert.Empty(plan.Solver.Unmet);
    }

    [Fact]
    public void Pseries_PriorLayoutWithNodeBridges_KeepsThemAndTheirDevices()
    {
        var request = PlanHelpers.Load("pseries-numa-host-bridges");
        var first = PlanHelpers.PlanOk(request);
        var again = PlanHelpers.PlanOk(request with { Prior = new PriorLayout { Devices = first.Devices } });

        foreach (var id in new[] { "nic0", "nic1", "nic2", "gpu0", "vda" })
            Assert.Equal(first.Pci(id), again.Pci(id));
        Assert.Equal(3, again.Devices.Count(d => d is { Kind: "controller", Model: "pci-root" } && d.Controller?.NumaNode is not null));
    }

    [Fact]
    public void Riscv64_NumaNode_RefusedNamingTheDeviceTheTunableAndTheMachinesThatCan()
    {
        var request = On(PlanHelpers.Load("numa-4-nodes-nics-on-2"), "riscv64", "virt");

        var error = PlanHelpers.PlanFails(request);

        Assert.Equal(ErrorCodes.InvalidInput, error.Code);
        Assert.Equal("numa-expander", error.Rule);
        Assert.Equal("nic0", error.DeviceId);
        Assert.StartsWith("device 'nic0': tunables.numaNode 1: machine type virt (riscv64) has no bus that carries a NUMA node", error.Message, StringComparison.Ordinal);
        Assert.Contains("pseries (ppc64/ppc64le)", error.Message, StringComparison.Ordinal);
        Assert.Contains("q35 (x86_64/i686)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void S390x_RequiredNumaNodeOnACcwDevice_RefusedNamingTheBusItIsOn()
    {
        var request = On(PlanHelpers.Load("numa-4-nodes-nics-on-2"), "s390x", "s390-ccw-virtio");

        var error = PlanHelpers.PlanFails(request);

        Assert.Equal("pci-tunable", error.Rule);
        Assert.Equal("nic0", error.DeviceId);
        Assert.Equal("device 'nic0': tunables.numaNode places PCI devices only; on machine type s390-ccw-virtio the device gets a ccw address, not a PCI one (drop the tunable or give it mode 'prefer')", error.Message);
    }

    [Fact]
    public void S390x_PreferredNumaNodeOnACcwDevice_PlannedAndReportedUnmet()
    {
        var request = On(PlanHelpers.Load("numa-4-nodes-nics-on-2"), "s390x", "s390-ccw-virtio");
        request = WithTunables(request, "nic0", new DeviceTunables { NumaNode = new Tunable<int> { Value = 1, Mode = TunableModes.Prefer } });
        request = request with { Devices = [.. request.Devices.Where(d => d.Id is "vda" or "nic0")] };

        var plan = PlanHelpers.PlanOk(request);

        Assert.Equal("ccw", plan.Dev("nic0").Address!.Kind);
        var unmet = Assert.Single(plan.Solver!.Unmet);
        Assert.Equal(("numaNode", "nic0"), (unmet.Tunable, unmet.DeviceId));
        Assert.Contains("gets a ccw address", unmet.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s390x", "s390-ccw-virtio")]
    [InlineData("ppc64le", "pseries")]
    [InlineData("x86_64", "pc")]
    public void NoPciExpress_RequiredBusKindPcie_RefusedNamingTheMachineAndTheAllowedValues(string arch, string machine)
    {
        var request = new PlanRequest
        {
            Machine = new MachineSpec(arch, machine),
            Policy = new PolicySpec { Name = PolicySpec.Optimize },
            Devices = [new Device { Id = "nic0", Kind = "interface", Model = "e1000", Tunables = new DeviceTunables { BusKind = new Tunable<string> { Value = "pcie" } } }],
        };

        var error = PlanHelpers.PlanFails(request);

        Assert.Equal(("busKind", "nic0"), (error.Rule, error.DeviceId));
        Assert.Equal($"device 'nic0': tunables.busKind 'pcie': machine type {machine} has no PCI Express buses (its root bus is pci-root); allowed here: 'pci' or 'auto', or mode 'prefer'", error.Message);
    }
}
