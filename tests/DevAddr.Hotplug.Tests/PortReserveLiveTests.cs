using System.Text.Json.Nodes;
using DevAddr.Core;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Libvirt;
using DevAddr.Solver;
using Xunit.Abstractions;

namespace DevAddr.Hotplug.Tests;

/// <summary>
/// Root-port reserves of an optimized plan, end to end: the plan's domain XML carries them as
/// <c>&lt;qemu:override&gt;</c>, libvirt 9.0 keeps them, QEMU 7.2 starts, and the firmware sizes each port's bus
/// range and windows at least as reserved (QEMU's query-pci after the firmware ran). The hotplug check then
/// counts on those windows.
/// </summary>
public sealed class PortReserveLiveTests(ITestOutputHelper output)
{
    private const long MiB = 1L << 20, GiB = 1L << 30;

    private const string Domain = """
        <domain type='qemu'>
          <name>devaddr-port-reserves</name>
          <memory unit='KiB'>262144</memory>
          <vcpu>1</vcpu>
          <os><type arch='x86_64' machine='q35'>hvm</type></os>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <interface type='user'><model type='virtio'/></interface>
            <interface type='user'><model type='e1000e'/></interface>
          </devices>
        </domain>
        """;

    private static readonly PortReserve Spare = new() { Bus = 1, Io = 0, Mem = 32 * MiB, Pref64 = 4 * GiB };

    private static string PlannedXml()
    {
        var policy = new PolicySpec { Name = PolicySpec.Optimize, Tunables = new Tunables { HotplugReserve = new Tunable<int> { Value = 3 }, SparePortReserve = Spare } };
        var (xml, error) = LibvirtExpander.Expand(Domain, Oracle90.Pin(policy), r => OptimizingPlanner.Plan(r));
        Assert.True(error is null, error);
        return xml!;
    }

    [Fact]
    public void PlannedXml_CarriesTheReservesAsQemuOverrideAndReadsBack()
    {
        string xml = PlannedXml();
        Assert.Contains("<qemu:property name=\"pref64-reserve\" type=\"unsigned\" value=\"4294967296\" />", xml);
        var layout = LibvirtHotplug.ReadLayout(xml);
        var reserved = layout.Plan.Devices.Where(d => d.Controller?.Reserve is not null).ToList();
        Assert.Equal(3, reserved.Count);
        Assert.All(reserved, d => Assert.Equal(Spare, d.Controller!.Reserve));
        Assert.Equal(3, layout.Options.Reserves.Count);
        Assert.Empty(AddressPlanner.Validate(layout.Plan));

        // Writing the plan read back changes nothing (the override is updated in place, not duplicated).
        var again = DomainXml.Parse(xml);
        Assert.Equal(xml, DomainXmlWriter.Write(again, LibvirtPlans.FromDomainXml(xml)));
    }

    [LiveLibvirtFact]
    public void SpareReserves_LibvirtKeepsThemAndTheFirmwareSizesThePorts()
    {
        LiveLibvirt.Require();
        string xml = PlannedXml();
        var layout = LibvirtHotplug.ReadLayout(xml);
        string tmp = Directory.CreateTempSubdirectory("devaddr-reserve-").FullName;
        try
        {
            string path = Path.Combine(tmp, "reserves.xml");
            File.WriteAllText(path, xml);
            var live = LiveLibvirt.Run(path, "--query-pci");
            Assert.True((bool)live["started"]!, (string?)live["error"]);

            var bridges = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            void Walk(JsonArray devices)
            {
                foreach (var dev in devices)
                {
                    if (dev!["pci_bridge"] is not JsonObject pb) continue;
                    if ((string?)dev["qdev_id"] is string id) bridges[id] = pb["bus"]!.AsObject();
                    if (pb["devices"] is JsonArray children) Walk(children);
                }
            }
            foreach (var root in live["pci"]!.AsArray()) Walk(root!["devices"]!.AsArray());

            static long Size(JsonNode? range) =>
                range is JsonObject r && (long)r["limit"]! >= (long)r["base"]! ? (long)r["limit"]! - (long)r["base"]! + 1 : 0;
            int checkedPorts = 0;
            foreach (var port in layout.Plan.Devices.Where(d => d.Controller?.Reserve is not null))
            {
                var bus = bridges[$"pci.{port.Index}"];
                int range = (int)bus["subordinate"]! - (int)bus["secondary"]!;
                long io = Size(bus["io_range"]), mem = Size(bus["memory_range"]), pref = Size(bus["prefetchable_range"]);
                output.WriteLine($"pci.{port.Index}: extra buses {range}, io {io}, mem {mem >> 20} MiB, pref {pref >> 20} MiB");
                Assert.True(range >= Spare.Bus, $"pci.{port.Index}: bus range {range}");
                Assert.Equal(0, io);
                Assert.True(mem >= Spare.Mem, $"pci.{port.Index}: memory window {mem}");
                Assert.True(pref >= Spare.Pref64, $"pci.{port.Index}: prefetchable window {pref}");
                checkedPorts++;
            }
            Assert.Equal(3, checkedPorts);
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    [Fact]
    public void HotplugCheck_CountsOnTheSpareWindows()
    {
        var layout = LibvirtHotplug.ReadLayout(PlannedXml());
        Device Gpu(string id, string pref) => new()
        {
            Id = id, Kind = "hostdev", Type = "pci", Host = new HostDevice { Address = "0000:3b:00.0" },
            Tunables = new DeviceTunables { Bars = [new Core.Catalog.BarSpec("16M", "mem32"), new Core.Catalog.BarSpec(pref, "mem64pref")] },
        };
        var fits = Assert.IsType<HotplugCheckResult.Checked>(AddressPlanner.HotplugCheck(layout.Plan, [Gpu("gpu", "4G")], layout.Options)).Report;
        Assert.True(fits.Feasible, fits.Summary);
        var tooBig = Assert.IsType<HotplugCheckResult.Checked>(AddressPlanner.HotplugCheck(layout.Plan, [Gpu("gpu", "8G")], layout.Options)).Report;
        Assert.False(tooBig.Feasible, tooBig.Summary);
        output.WriteLine(tooBig.Summary);
    }
}

/// <summary>Unreadable reserves in <c>&lt;qemu:override&gt;</c>: a precise XML error, and <c>libvirt expand</c> writes only NAME.error.</summary>
public sealed class QemuOverrideErrorTests
{
    private static string Domain(string property, string value) => $"""
        <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
          <name>bad-reserve</name>
          <os><type arch='x86_64' machine='q35'>hvm</type></os>
          <devices><controller type='pci' index='1' model='pcie-root-port'/></devices>
          <qemu:override><qemu:device alias='pci.1'><qemu:frontend>
            <qemu:property name='{property}' type='unsigned' value='{value}'/>
          </qemu:frontend></qemu:device></qemu:override>
        </domain>
        """;

    [Theory]
    [InlineData("pref64-reserve", "lots", "cannot read 'pref64-reserve' value 'lots' as a size in bytes")]
    [InlineData("bus-reserve", "3000000000", "bus-reserve value '3000000000' is too large")]
    public void BadReserveValue_XmlErrorAndNoExpandedFile(string property, string value, string message)
    {
        var ex = Assert.Throws<DomainXmlException>(() => DomainXml.Parse(Domain(property, value)));
        Assert.Contains(message, ex.Message);

        string dir = Directory.CreateTempSubdirectory("devaddr-bad-reserve-").FullName;
        try
        {
            string input = Directory.CreateDirectory(Path.Combine(dir, "in")).FullName, output = Path.Combine(dir, "out");
            File.WriteAllText(Path.Combine(input, "bad.xml"), Domain(property, value));
            Assert.Equal(1, LibvirtExpander.ExpandDirectory(input, output, Oracle90.Policy, null));
            Assert.Equal(["bad.error"], Directory.GetFiles(output).Select(Path.GetFileName));
            Assert.Contains(message, File.ReadAllText(Path.Combine(output, "bad.error")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ReadValues_SizesAndSuffixes_AllFiveProperties()
    {
        var reserves = QemuOverride.ReadReserves(
            System.Xml.Linq.XElement.Parse(Domain("mem-reserve", "32M")),
            [new Device { Id = "c", Kind = "controller", Type = "pci", Model = "pcie-root-port", Index = 1 }], _ => null);
        Assert.Equal(new PortReserve { Mem = 32L << 20 }, reserves[1]);
        var all = new PortReserve();
        foreach (var (p, v) in new PortReserve { Bus = 2, Io = 0, Mem = 1, Pref32 = 2, Pref64 = 3 }.Properties())
            all = QemuOverride.With(all, p, v.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(new PortReserve { Bus = 2, Io = 0, Mem = 1, Pref32 = 2, Pref64 = 3 }, all);
    }
}
