using DevAddr.Core;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Libvirt;

namespace DevAddr.Hotplug.Tests;

/// <summary>The scenario table of <c>fixtures/hotplug</c>: every verdict, address, reason, layer, libvirt error and suggestion.</summary>
public sealed class HotplugFixtureTests
{
    public static TheoryData<string> HotplugCases() => HotplugFixture.HotplugCases();

    public static TheoryData<string> UnplugCases() => HotplugFixture.UnplugCases();

    private static HotplugReport Check(HotplugFixture f)
    {
        var layout = f.Layout();
        var result = AddressPlanner.HotplugCheck(layout.Plan, f.Devices(), f.Options(layout));
        return Assert.IsType<HotplugCheckResult.Checked>(result).Report;
    }

    [Fact]
    public void Fixtures_Table_CoversMachinesBusesHotplugBarsAndIo()
    {
        var cases = HotplugFixture.All().Where(f => !f.IsUnplug).Select(f => f.ExpectedHotplug).ToList();

        Assert.True(cases.Count >= 25, $"{cases.Count} hotplug scenarios");
        Assert.All(cases, c => Assert.False(string.IsNullOrEmpty(c.Description)));
        Assert.All(cases, c => Assert.Equal(["bar", "bus", "io", "machine", "portHotplug"], c.Axes!.Keys.Order(StringComparer.Ordinal)));
        foreach (var machine in new[] { "pc", "q35", "virt", "pseries", "s390-ccw-virtio" })
            Assert.Contains(cases, c => c.Axes!["machine"].StartsWith(machine, StringComparison.Ordinal));
        Assert.Contains(cases, c => c.Axes!["portHotplug"].StartsWith("off", StringComparison.Ordinal));
        Assert.Contains(cases, c => c.Axes!["bar"].Contains("16G", StringComparison.Ordinal));
        foreach (var code in new[] { HotplugReasons.NoFreeSlot, HotplugReasons.BusKind, HotplugReasons.PortHotplugOff, HotplugReasons.BarWindow,
                     HotplugReasons.IoWindow, HotplugReasons.QemuBusNoHotplug, HotplugReasons.AddressInvalid, HotplugReasons.LiveAttachUnsupported,
                     HotplugReasons.NoUsbPort, HotplugReasons.NoVirtioSerialPort, HotplugReasons.ScsiController, HotplugReasons.QemuDeviceRefused })
            Assert.Contains(cases, c => c.Devices.Any(d => d.Reasons.Contains(code)));
    }

    [Theory]
    [MemberData(nameof(HotplugCases))]
    public void HotplugCheck_Scenario_MatchesExpectedVerdicts(string name)
    {
        var f = HotplugFixture.Named(name);
        var expected = f.ExpectedHotplug;

        var report = Check(f);

        Assert.Equal(expected.Feasible, report.Feasible);
        Assert.Equal(expected.Machine, new HotplugFixture.ExpectedMachine(report.Machine.RootBusHotplug, report.Machine.NeedsPreallocatedPorts,
            report.Machine.FreeHotplugPorts, report.Machine.FreeHotplugPciSlots, report.Machine.FreeCcwDevnos));
        Assert.Equal(expected.Devices.Select(d => d.Id), report.Devices.Select(d => d.DeviceId));
        foreach (var (e, v) in expected.Devices.Zip(report.Devices))
        {
            Assert.Equal(e.Feasible, v.Feasible);
            Assert.Equal(e.Address, v.Address?.ToString());
            Assert.Equal(e.Zpci, (v.Address as PciAddress)?.Zpci?.ToString());
            Assert.Equal(e.PciPath, v.PciPath);
            Assert.Equal(e.Reasons, v.Reasons.Select(r => r.Code));
            Assert.Equal(e.Layers, v.Reasons.Select(r => r.Layer).Distinct().Order(StringComparer.Ordinal));
            Assert.Equal(e.LibvirtError, v.LibvirtError);
            Assert.Equal(e.AddedControllers ?? [], v.AddedControllers.Select(c => c.Address?.ToString()));
            Assert.Equal(v.Feasible, v.Reasons.Count == 0);
        }
        Assert.Equal(expected.Suggestions, report.Suggestions.Select(s => s.Code));
    }

    [Theory]
    [MemberData(nameof(HotplugCases))]
    public void HotplugCheck_Scenario_LayoutAfterIsAValidPlanWithTheFeasibleDevices(string name)
    {
        var f = HotplugFixture.Named(name);
        var report = Check(f);

        var violations = AddressPlanner.Validate(report.LayoutAfter).Where(e => e.Rule is not ("io-window-budget" or "mmio32-budget")).ToList();

        Assert.Empty(violations);
        int added = report.Devices.Where(v => v.Feasible).Sum(v => 1 + v.AddedControllers.Count);
        Assert.Equal(f.Layout().Plan.Devices.Count + added, report.LayoutAfter.Devices.Count);
        foreach (var v in report.Devices.Where(v => v.Feasible && v.Address is not null))
            Assert.Equal(v.Address, report.LayoutAfter.Devices.Single(d => d.Id == v.DeviceId).Address);
    }

    [Theory]
    [MemberData(nameof(HotplugCases))]
    public void HotplugCheck_OnOurOwnExpansionOfTheDomain_GivesLibvirtsVerdicts(string name)
    {
        // The layouts are libvirt's; planning the same cold definition with our libvirt policy must lead to the same answers.
        var f = HotplugFixture.Named(name);
        var expected = Check(f);
        var domain = DomainXml.Parse(File.ReadAllText(f.DomainPath));
        var plan = Assert.IsType<PlanResult.Success>(AddressPlanner.Plan(domain.Request)).Plan;

        var result = AddressPlanner.HotplugCheck(plan, f.Devices(), f.Options(f.Layout()));

        var ours = Assert.IsType<HotplugCheckResult.Checked>(result).Report;
        Assert.Equal(expected.Devices.Select(v => (v.Feasible, v.Address, string.Join(",", v.Reasons.Select(r => r.Code)))),
            ours.Devices.Select(v => (v.Feasible, v.Address, string.Join(",", v.Reasons.Select(r => r.Code)))));
    }

    [Theory]
    [MemberData(nameof(UnplugCases))]
    public void UnplugCheck_Scenario_MatchesExpectedVerdicts(string name)
    {
        var f = HotplugFixture.Named(name);
        var expected = f.ExpectedUnplugCase;
        var layout = f.Layout();
        var ids = expected.Unplug.Select(a => layout.Aliases.GetValueOrDefault(a, a)).ToList();

        var report = Assert.IsType<UnplugCheckResult.Checked>(AddressPlanner.UnplugCheck(layout.Plan, ids, layout.Options)).Report;

        Assert.Equal(expected.Removable, report.Removable);
        foreach (var (e, v) in expected.Devices.Zip(report.Devices))
        {
            Assert.Equal(e.Removable, v.Removable);
            Assert.Equal(e.Reasons, v.Reasons.Select(r => r.Code));
            Assert.Equal(e.LibvirtError, v.LibvirtError);
        }
        Assert.Equal(expected.LayoutAfterDevices, report.LayoutAfter.Devices.Count);
        Assert.DoesNotContain(AddressPlanner.Validate(report.LayoutAfter), x => x.Rule is not ("io-window-budget" or "mmio32-budget"));
        var gone = report.Devices.Where(v => v.Removable).Select(v => v.DeviceId).ToHashSet();
        Assert.DoesNotContain(report.LayoutAfter.Devices, d => gone.Contains(d.Id));
    }
}
