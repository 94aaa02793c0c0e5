using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using static DevAddr.Hotplug.Tests.TestPlans;

namespace DevAddr.Hotplug.Tests;

/// <summary><see cref="DevAddr.Core.AddressPlanner.HotplugCheck"/> on pseries and s390x: what the fixtures cannot show live.</summary>
public sealed partial class AddressPlannerHotplugTests
{
    private static readonly MachineSpec S390x = new("s390x", "s390-ccw-virtio");
    private static readonly MachineSpec Pseries = new("ppc64", "pseries");

    [Fact]
    public void HotplugCheck_S390xAfterQemuExitedOnARefusedPciDevice_RefusesEveryLaterDevice()
    {
        var layout = Plan(new PlanRequest { Machine = S390x, Devices = [Nic("nic0")] });

        var report = Check(layout, [Nic("e1", "e1000", new PciAddress(0, 0, 0, 0)), Nic("nic1"), Nic("nic2")]);

        Assert.Equal(HotplugReasons.QemuDeviceRefused, Assert.Single(report.Devices[0].Reasons).Code);
        Assert.Equal("Unable to read from monitor: Connection reset by peer", report.Devices[0].LibvirtError);
        Assert.All(report.Devices.Skip(1), v =>
        {
            Assert.Equal((HotplugReasons.GuestNotRunning, HotplugLayers.Qemu), (Assert.Single(v.Reasons).Code, v.Reasons[0].Layer));
            Assert.Contains("'e1'", v.Reasons[0].Message, StringComparison.Ordinal);
            Assert.Equal("domain is not running", v.LibvirtError);
        });
    }

    [Fact]
    public void HotplugCheck_S390xEmulatedNicOnChannelIo_IsRefusedWithoutStoppingTheGuest()
    {
        var layout = Plan(new PlanRequest { Machine = S390x, Devices = [Nic("nic0")] });

        var report = Check(layout, [Nic("e1", "e1000"), Nic("nic1")]);

        Assert.IsType<CcwAddress>(report.Devices[0].Address);
        Assert.StartsWith("unable to execute QEMU command 'device_add'", report.Devices[0].LibvirtError, StringComparison.Ordinal);
        Assert.True(report.Devices[1].Feasible);
        Assert.Equal(report.Devices[0].Address, report.Devices[1].Address);
    }

    [Fact]
    public void HotplugCheck_S390xEveryCcwDevnoTaken_ReturnsNoCcwDevno()
    {
        var layout = Plan(new PlanRequest { Machine = S390x, Devices = [Nic("nic0")] });
        var taken = Enumerable.Range(0, CcwAddress.DevnoLast + 1)
            .Select(n => new Device { Id = $"d{n}", Kind = "disk", Bus = "virtio", Target = $"vd{n}", Address = new CcwAddress(CcwAddress.CssidLast, 0, n) });
        var full = layout with { Devices = [.. layout.Devices.Where(d => d.Address is not CcwAddress), .. taken] };

        var report = Check(full, [Nic("nic1"), Nic("nic2", at: new PciAddress(0, 0, 0, 0))]);

        Assert.Equal(0, report.Machine.FreeCcwDevnos);
        Assert.Equal(HotplugReasons.NoCcwDevno, Assert.Single(report.Devices[0].Reasons).Code);
        Assert.Equal("There are no more free CCW devnos.", report.Devices[0].LibvirtError);
        Assert.True(report.Devices[1].Feasible);
    }

    [Fact]
    public void Suggestion_PciHostBridge_MakesTheNicFeasibleNextTime()
    {
        var fill = Enumerable.Range(1, 31).Select(s => Nic($"n{s}", at: new PciAddress(0, 0, s, 0))).ToList();
        var request = new PlanRequest
        {
            Machine = Pseries,
            Devices = [.. fill, new Device { Id = "usb", Kind = "controller", Type = "usb", Model = "none" }, new Device { Id = "balloon", Kind = "memballoon", Model = "none" }],
        };
        var layout = Plan(request);
        var suggestion = Check(layout, [Nic("nic")]).Suggestions.Single(s => s.Code == "pci-host-bridge");

        var next = Plan(new PlanRequest { Machine = layout.Machine, Devices = [.. layout.Devices.Select(d => d with { Added = false, Reason = null }), .. suggestion.Devices!] });

        var report = Check(next, [Nic("nic")]);
        Assert.True(report.Feasible);
        Assert.Equal(1, Assert.IsType<PciAddress>(report.Devices[0].Address).Bus);
    }

    [Fact]
    public void HotplugCheck_AttachRequestWithoutModelBusOrTarget_GetsTheMachinesDefaults()
    {
        var pseries = Check(Plan(new PlanRequest { Machine = Pseries, Devices = [Nic("nic0")] }),
            [new Device { Id = "nic", Kind = "interface", Type = "user" }, new Device { Id = "vty", Kind = "serial" }]);
        var q35 = Check(Plan("q35", Nic("nic0")), [new Device { Id = "com", Kind = "serial" }]);

        Assert.Equal("interface/user/rtl8139", pseries.Devices[0].Device);
        Assert.Equal("serial/spapr-vio-serial", pseries.Devices[1].Device);
        Assert.Equal(HotplugReasons.QemuBusNoHotplug, Assert.Single(pseries.Devices[1].Reasons).Code);
        Assert.Equal(HotplugReasons.LiveAttachUnsupported, Assert.Single(q35.Devices[0].Reasons).Code);
        Assert.Equal("serial/isa-serial", q35.Devices[0].Device);
    }
}
