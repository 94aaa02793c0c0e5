using DevAddr.Core;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using static DevAddr.Hotplug.Tests.TestPlans;

namespace DevAddr.Hotplug.Tests;

/// <summary><see cref="AddressPlanner.HotplugCheck"/>: input errors, ordering, reserves, and suggestions that really work.</summary>
public sealed partial class AddressPlannerHotplugTests
{
    [Fact]
    public void HotplugCheck_IdUsedByTheLayout_ReturnsInvalidInput()
    {
        var layout = Plan("q35", Nic("nic0"));

        var error = Fails(layout, [Nic("nic0")]);

        Assert.Equal(ErrorCodes.InvalidInput, error.Code);
        Assert.Equal("device-id-unique", error.Rule);
    }

    [Fact]
    public void HotplugCheck_UnknownFirmwareProfile_ReturnsInvalidInput()
    {
        var error = Fails(Plan("q35", Nic("nic0")), [Nic("nic1")], new HotplugOptions { Firmware = "ovmf-2030" });

        Assert.Equal("firmware-profile", error.Rule);
        Assert.Contains("generic, seabios", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HotplugCheck_LayoutWithClashingAddresses_ReturnsInvalidInputNamingTheRule()
    {
        var layout = Plan("pc", Nic("a"), Nic("b"));
        var broken = layout with { Devices = layout.Devices.Select(d => d.Id == "b" ? d with { Address = layout.Devices.Single(x => x.Id == "a").Address } : d).ToList() };

        var error = Fails(broken, [Nic("c")]);

        Assert.Equal("layout-valid", error.Rule);
        Assert.Contains("pci-address-unique", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HotplugCheck_UnknownMachine_ReturnsUnknownModel()
    {
        var layout = Plan("q35", Nic("nic0")) with { Machine = new MachineSpec("x86_64", "isapc-9000") };

        Assert.Equal(ErrorCodes.UnknownModel, Fails(layout, [Nic("nic1")]).Code);
    }

    [Fact]
    public void HotplugCheck_ReserveOnAMissingControllerOrBothPrefReserves_ReturnsInvalidInput()
    {
        var layout = Plan("q35", Nic("nic0"));
        int port = IndexOfFreePort(layout);

        Assert.Equal("reserve-controller", Fails(layout, [Gpu("gpu")], new HotplugOptions { Reserves = new Dictionary<int, PortReserve> { [77] = new() { Pref64 = 1 } } }).Rule);
        Assert.Equal("reserve-range", Fails(layout, [Gpu("gpu")], new HotplugOptions { Reserves = new Dictionary<int, PortReserve> { [port] = new() { Pref64 = 1, Pref32 = 1 } } }).Rule);
    }

    [Fact]
    public void HotplugCheck_SeveralDevicesInOneCall_TakeDistinctPlacesInOrder()
    {
        var layout = Plan("pc", Nic("nic0"));

        var report = Check(layout, [.. Enumerable.Range(1, 6).Select(i => Nic($"n{i}", i % 2 == 0 ? "e1000" : "virtio"))]);

        Assert.True(report.Feasible);
        var slots = report.Devices.Select(v => Assert.IsType<PciAddress>(v.Address)).ToList();
        Assert.Equal(slots.Count, slots.Distinct().Count());
        Assert.Equal(slots.OrderBy(a => a.Slot), slots);
        Assert.All(slots, a => Assert.Equal((0, 0), (a.Bus, a.Function)));
    }

    [Fact]
    public void HotplugCheck_InfeasibleDevice_LeavesItsPlaceToTheNextOne()
    {
        var layout = Plan("q35", Nic("nic0"));
        int port = IndexOfFreePort(layout);

        var report = Check(layout, [Gpu("gpu"), Nic("nic1")]);

        Assert.False(report.Devices[0].Feasible);
        Assert.Equal(port, Assert.IsType<PciAddress>(report.Devices[0].Address).Bus);
        Assert.True(report.Devices[1].Feasible);
        Assert.Equal(port, Assert.IsType<PciAddress>(report.Devices[1].Address).Bus);
        Assert.DoesNotContain(report.LayoutAfter.Devices, d => d.Id == "gpu");
    }

    [Fact]
    public void HotplugCheck_GpuWithoutReserve_ExplainsBothWindowsAndSuggestsThePref64Reserve()
    {
        var layout = Plan("q35", Nic("nic0"));
        int port = IndexOfFreePort(layout);

        var report = Check(layout, [Gpu("gpu")]);

        var reason = Assert.Single(report.Devices[0].Reasons);
        Assert.Equal((HotplugReasons.BarWindow, HotplugLayers.Guest, port), (reason.Code, reason.Layer, reason.ControllerIndex!.Value));
        Assert.Contains("16 GiB", reason.Message, StringComparison.Ordinal);
        Assert.Contains("no pref64-reserve", reason.Message, StringComparison.Ordinal);
        var suggestion = Assert.Single(report.Suggestions);
        Assert.Equal("pref64-reserve", suggestion.Code);
        Assert.Contains("value='17179869184'", suggestion.LibvirtXml, StringComparison.Ordinal);
        Assert.Contains($"alias='pci.{port}'", suggestion.LibvirtXml, StringComparison.Ordinal);
    }

    [Fact]
    public void HotplugCheck_ReserveGivenAsOption_MakesTheGpuFit()
    {
        var layout = Plan("q35", Nic("nic0"));
        var options = new HotplugOptions { Reserves = new Dictionary<int, PortReserve> { [IndexOfFreePort(layout)] = new() { Pref64 = 16L << 30, Mem = 32L << 20 } } };

        Assert.True(Check(layout, [Gpu("gpu")], options).Feasible);
    }

    [Fact]
    public void Suggestion_SpareRootPortsTunables_MakeTheSameHotplugFeasibleNextTime()
    {
        var request = new PlanRequest { Machine = new MachineSpec("x86_64", "q35"), Devices = [Nic("nic0")] };
        var wanted = new[] { Nic("nic1"), Nic("nic2"), Nic("nic3") };
        var first = Check(Plan(request), wanted);
        var suggestion = first.Suggestions.Single(s => s.Code == "spare-root-ports");
        Assert.Equal(3, suggestion.Tunables!.HotplugReserve!.Value);

        var next = Plan(request with { Policy = new PolicySpec { Name = PolicySpec.Optimize, Tunables = suggestion.Tunables } });

        Assert.True(Check(next, wanted).Feasible);
    }

    [Fact]
    public void Suggestion_PcieToPciBridgeDevices_MakeTheE1000FeasibleNextTime()
    {
        var request = new PlanRequest { Machine = new MachineSpec("x86_64", "q35"), Devices = [Nic("nic0")] };
        var wanted = new[] { Nic("e1", "e1000"), Nic("rtl", "rtl8139") };
        var suggestion = Check(Plan(request), wanted).Suggestions.Single(s => s.Code == "pcie-to-pci-bridge");

        // The next cold plan: the guest's definition as it is (every device and controller) plus the suggested controllers.
        var layout = Plan(request);
        var next = Plan(new PlanRequest { Machine = layout.Machine, Devices = [.. layout.Devices.Select(d => d with { Added = false, Reason = null }), .. suggestion.Devices!] });

        var report = Check(next, wanted);
        Assert.True(report.Feasible);
        Assert.All(report.Devices, v => Assert.Contains("pcie-to-pci-bridge", v.Place, StringComparison.Ordinal));
    }

    [Fact]
    public void Suggestion_Pref64Reserve_GivesTheSizeThatMakesTheGpuFit()
    {
        var layout = Plan("q35", Nic("nic0"));
        int port = IndexOfFreePort(layout);
        var suggestion = Check(layout, [Gpu("gpu", pref: "12G")]).Suggestions.Single(s => s.Code == "pref64-reserve");
        Assert.Contains("pref64-reserve 16 GiB", suggestion.Message, StringComparison.Ordinal);

        var options = new HotplugOptions { Reserves = new Dictionary<int, PortReserve> { [port] = new() { Pref64 = 16L << 30, Mem = 16L << 20 } } };

        Assert.True(Check(layout, [Gpu("gpu", pref: "12G")], options).Feasible);
    }

    [Fact]
    public void HotplugCheck_SameInputTwice_GivesTheSameJson()
    {
        var layout = Plan("q35", Nic("nic0"));
        var devices = new[] { Nic("nic1"), Nic("e1", "e1000"), Gpu("gpu") };

        Assert.Equal(HotplugJson.Serialize(Check(layout, devices)), HotplugJson.Serialize(Check(layout, devices)));
    }

    [Fact]
    public void HotplugCheck_Dimm_TakesTheLowestFreeSlotWithinTheGuestsSlots()
    {
        var layout = Plan(new PlanRequest
        {
            Machine = new MachineSpec("x86_64", "pc"),
            MemorySlots = 2,
            Devices = [new Device { Id = "m0", Kind = "memory", Model = "dimm" }],
        });
        Device Dimm(string id) => new() { Id = id, Kind = "memory", Model = "dimm" };

        var unknown = Check(layout, [Dimm("m1")]);
        var limited = Check(layout, [Dimm("m1"), Dimm("m2")], new HotplugOptions { MemorySlots = 2 });

        Assert.Equal(new DimmAddress(1), unknown.Devices[0].Address);
        Assert.Contains(unknown.Assumptions, a => a.Contains("memory slots", StringComparison.Ordinal));
        Assert.True(limited.Devices[0].Feasible);
        Assert.Equal(HotplugReasons.NoMemorySlot, Assert.Single(limited.Devices[1].Reasons).Code);
    }

    [Fact]
    public void HotplugCheck_HostDeviceAlreadyAssigned_IsRefused()
    {
        var layout = Plan("q35", Gpu("gpu0"), Nic("nic0"));

        var report = Check(layout, [Gpu("gpu1")]);

        Assert.Contains(report.Devices[0].Reasons, r => r.Code == HotplugReasons.HostdevInUse);
    }

    [Fact]
    public void HotplugCheck_HostDeviceWithoutBars_SaysTheWindowCheckWasSkipped()
    {
        var layout = Plan("q35", Nic("nic0"));

        var report = Check(layout, [new Device { Id = "vf", Kind = "hostdev", Type = "pci", Host = new HostDevice { Address = "0000:81:00.1" } }]);

        Assert.True(report.Feasible);
        Assert.Contains(report.Assumptions, a => a.Contains("'vf': BAR sizes unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void HotplugCheck_ConventionalHostDevice_NeedsAConventionalSlot()
    {
        var layout = Plan("q35", Nic("nic0"));
        var legacy = new Device { Id = "old", Kind = "hostdev", Type = "pci", Host = new HostDevice { Address = "0000:05:00.0", PciExpress = false } };

        var report = Check(layout, [legacy]);

        Assert.Equal([HotplugReasons.NoFreeSlot, HotplugReasons.BusKind], report.Devices[0].Reasons.Select(r => r.Code));
    }

    [Fact]
    public void HotplugCheck_ScsiControllerWithoutIndexOrModel_GetsTheNextIndexAndTheDefaultModel()
    {
        var layout = Plan("pc", Nic("nic0"), new Device { Id = "scsi0", Kind = "controller", Type = "scsi", Model = "virtio-scsi" });

        var report = Check(layout, [new Device { Id = "more", Kind = "controller", Type = "scsi" }]);

        Assert.True(report.Feasible);
        var added = report.LayoutAfter.Devices.Single(d => d.Id == "more");
        Assert.Equal((1, "lsilogic"), (added.Index!.Value, added.Model!));
        Assert.Empty(AddressPlanner.Validate(report.LayoutAfter));
    }

    [Fact]
    public void Summary_CountsEachReasonOncePerDevice()
    {
        var layout = Plan("q35", Nic("nic0"));

        var report = Check(layout, [Nic("nic1"), Nic("nic2"), Nic("nic3")]);

        Assert.Equal("1/3 devices can be hot-plugged: 2× bus-never-hotplug, 2× no-free-slot", report.Summary);
    }
}
