using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DevAddr.Core;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Libvirt;
using Xunit.Abstractions;

namespace DevAddr.Hotplug.Tests;

/// <summary>
/// Our answers against live libvirt 9.0 + QEMU 7.2 where they decide: the address libvirt gives a hot-plugged
/// device, the error it (or QEMU through it) reports, what it refuses to unplug, and the bus numbers the
/// firmware gives (for the guest BDF of the mapping). BAR windows are the guest's business and not checked here.
/// </summary>
public sealed partial class LiveLibvirtTests(ITestOutputHelper output)
{
    public static TheoryData<string> LiveHotplugCases() => HotplugFixture.LiveHotplugCases();

    public static TheoryData<string> UnplugCases() => HotplugFixture.UnplugCases();

    [GeneratedRegex("/tmp/devaddr-hotplug-([a-z0-9]+)\\.img")]
    private static partial Regex ImagePath();

    /// <summary>
    /// The disk images of this test run: a directory of its own, so two runs at once (two clones, Debug and Release)
    /// never share an image, which QEMU would refuse to open twice ("Failed to get \"write\" lock").
    /// </summary>
    private static readonly Lazy<string> s_images = new(() => Directory.CreateTempSubdirectory("devaddr-hotplug-images.").FullName);

    /// <summary>
    /// A copy of a fixture's domain or device XML whose image sources (<c>/tmp/devaddr-hotplug-NAME.img</c>) point
    /// into this run's image directory, with those images created.
    /// </summary>
    private static string WithOwnImages(string path)
    {
        string xml = ImagePath().Replace(File.ReadAllText(path), m => Path.Combine(s_images.Value, m.Groups[1].Value + ".img"));
        foreach (Match m in ImagePathIn(s_images.Value).Matches(xml))
            if (!File.Exists(m.Value))
                using (var f = File.Create(m.Value)) f.SetLength(1 << 20);
        string copy = Path.Combine(s_images.Value, $"{Guid.NewGuid():N}-{Path.GetFileName(path)}");
        File.WriteAllText(copy, xml);
        return copy;
    }

    private static Regex ImagePathIn(string directory) => new(Regex.Escape(directory) + "/[a-z0-9]+\\.img");

    [GeneratedRegex("<mac address='[0-9a-f:]+'/>")]
    private static partial Regex MacAddress();

    private static string? Address(JsonNode? a)
    {
        if (a is not JsonObject o) return null;
        int N(string k) => o[k] is JsonValue v ? Convert.ToInt32((string)v!, (string)v! is var s && s.StartsWith("0x", StringComparison.Ordinal) ? 16 : 10) : 0;
        return (string?)o["type"] switch
        {
            "pci" => new PciAddress(N("domain"), N("bus"), N("slot"), N("function")).ToString(),
            "usb" => new UsbAddress(N("bus"), (string?)o["port"] ?? "").ToString(),
            "virtio-serial" => new VirtioSerialAddress(N("controller"), N("bus"), N("port")).ToString(),
            "drive" => new DriveAddress(N("controller"), N("bus"), N("target"), N("unit")).ToString(),
            "ccw" => new CcwAddress(N("cssid"), N("ssid"), N("devno")).ToString(),
            var t => t,
        };
    }

    /// <summary>The zPCI ids of a live PCI address (s390x), in <see cref="ZpciIds"/>' form, or null.</summary>
    private static string? Zpci(JsonNode? a)
    {
        if (a?["zpci"] is not JsonObject z) return null;
        long N(string k) => Convert.ToInt64((string)z[k]!, 16);
        return new ZpciIds((int)N("uid"), N("fid")).ToString();
    }

    [LiveLibvirtTheory]
    [MemberData(nameof(LiveHotplugCases))]
    public void HotplugCheck_Scenario_AgreesWithLiveLibvirt(string name)
    {
        LiveLibvirt.Require();
        var f = HotplugFixture.Named(name);
        var layout = f.Layout();
        var report = Assert.IsType<HotplugCheckResult.Checked>(AddressPlanner.HotplugCheck(layout.Plan, f.Devices(), f.Options(layout))).Report;
        var live = LiveLibvirt.Run(WithOwnImages(f.DomainPath), "--attach", WithOwnImages(f.DevicesXmlPath!));

        Assert.True((bool)live["started"]!, (string?)live["error"]);
        var steps = live["steps"]!.AsArray();
        Assert.Equal(report.Devices.Count, steps.Count);
        foreach (var (v, step) in report.Devices.Zip(steps))
        {
            bool guestOnly = v.Reasons.Count > 0 && v.Reasons.All(r => r.Layer == HotplugLayers.Guest);
            output.WriteLine($"{name} {v.DeviceId}: live {(bool)step!["ok"]!} {(string?)step["error"]} | ours {v.Feasible} {v.Address} {v.LibvirtError}");
            if ((bool)step["ok"]!)
            {
                Assert.True(v.Feasible || guestOnly, $"{v.DeviceId}: libvirt attached it, we say {v.LibvirtError}");
                var added = step["added"]!.AsArray();
                var main = added.FirstOrDefault(a => (string?)a!["element"] != "controller") ?? added.FirstOrDefault();
                if (main?["address"] is not null)
                {
                    Assert.Equal(Address(main["address"]), v.Address?.ToString());
                    Assert.Equal(Zpci(main["address"]), (v.Address as PciAddress)?.Zpci?.ToString());
                }
                // Controllers libvirt added for the device (a hot-plugged controller is the device itself).
                Assert.Equal(added.Where(a => a != main && (string?)a!["element"] == "controller").Select(a => Address(a!["address"]) + Zpci(a!["address"])),
                    v.AddedControllers.Select(c => c.Address?.ToString() + (c.Address as PciAddress)?.Zpci?.ToString()));
                if (guestOnly) break; // we keep the place free, libvirt took it: later devices would differ
            }
            else
            {
                string error = (string)step["error"]!;
                Assert.False(v.Feasible, $"{v.DeviceId}: libvirt refused ({error}), we say feasible");
                Assert.NotNull(v.LibvirtError);
                string ours = Regex.Replace(v.LibvirtError!.Split(" (")[0], @"ide\.N", "ide.");
                string theirs = Regex.Replace(error, @"ide\.\d+", "ide.");
                Assert.Contains(ours, theirs, StringComparison.Ordinal);
            }
        }
    }

    [LiveLibvirtTheory]
    [MemberData(nameof(UnplugCases))]
    public void UnplugCheck_Scenario_AgreesWithLiveLibvirt(string name)
    {
        LiveLibvirt.Require();
        var f = HotplugFixture.Named(name);
        var expected = f.ExpectedUnplugCase;
        var layout = f.Layout();
        var known = expected.Unplug.Where(layout.Aliases.ContainsKey).ToList();
        var report = Assert.IsType<UnplugCheckResult.Checked>(AddressPlanner.UnplugCheck(layout.Plan, known.Select(a => layout.Aliases[a]).ToList(), layout.Options)).Report;
        var live = LiveLibvirt.Run([WithOwnImages(f.DomainPath), .. known.SelectMany(a => new[] { "--detach", a })]);

        Assert.True((bool)live["started"]!, (string?)live["error"]);
        foreach (var (v, step) in report.Devices.Zip(live["steps"]!.AsArray()))
        {
            output.WriteLine($"{name} {v.DeviceId}: live {(bool)step!["ok"]!} {(string?)step["error"]} | ours {v.Removable} {v.LibvirtError}");
            Assert.Equal((bool)step["ok"]!, v.Removable);
            if (!v.Removable)
                Assert.Contains(v.LibvirtError!.Split(" (")[0], (string)step["error"]!, StringComparison.Ordinal);
        }
    }

    [LiveLibvirtFact]
    public void Fixtures_Layouts_AreWhatLibvirtMakesOfTheDomains()
    {
        LiveLibvirt.Require();
        string tmp = Directory.CreateTempSubdirectory("devaddr-layouts-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(tmp, "in"));
            foreach (var f in HotplugFixture.All())
                File.Copy(f.DomainPath, Path.Combine(tmp, "in", f.Name + ".xml"));

            LiveLibvirt.Expand(Path.Combine(tmp, "in"), Path.Combine(tmp, "out"));

            // libvirt gives interfaces random MAC addresses; everything else must be byte for byte the same.
            static string WithoutMacs(string xml) => MacAddress().Replace(xml, "<mac/>");
            foreach (var f in HotplugFixture.All())
                Assert.True(WithoutMacs(File.ReadAllText(f.LayoutPath)) == WithoutMacs(File.ReadAllText(Path.Combine(tmp, "out", f.Name + ".xml"))),
                    $"{f.Name}/layout.xml differs from libvirt's expansion of domain.xml (run fixtures/hotplug/regenerate-layouts.sh)");
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    [LiveLibvirtFact]
    public void GuestBdf_OfEveryPciDevice_IsTheBusNumberTheFirmwareGives()
    {
        LiveLibvirt.Require();
        const string domain = """
            <domain type='qemu'><name>bdf</name><memory unit='MiB'>128</memory><vcpu>2</vcpu>
              <cpu><numa><cell id='0' cpus='0' memory='64' unit='MiB'/><cell id='1' cpus='1' memory='64' unit='MiB'/></numa></cpu>
              <os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features>
              <devices>
                <controller type='pci' index='0' model='pcie-root'/>
                <controller type='pci' index='1' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></controller>
                <controller type='pci' index='2' model='pcie-expander-bus'><target busNr='128'><node>1</node></target><address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/></controller>
                <controller type='pci' index='3' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></controller>
                <controller type='pci' index='4' model='pcie-switch-upstream-port'><address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></controller>
                <controller type='pci' index='5' model='pcie-switch-downstream-port'/>
                <controller type='pci' index='6' model='pcie-switch-downstream-port'/>
                <controller type='pci' index='7' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/></controller>
                <controller type='pci' index='8' model='pcie-to-pci-bridge'/>
                <controller type='pci' index='9' model='dmi-to-pci-bridge'/>
                <controller type='pci' index='10' model='pci-bridge'/>
                <interface type='user'><model type='virtio'/><address type='pci' domain='0x0000' bus='0x06' slot='0x00' function='0x0'/></interface>
                <interface type='user'><model type='virtio'/><address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x0'/></interface>
                <interface type='user'><model type='e1000'/></interface>
                <interface type='user'><model type='e1000'/><address type='pci' domain='0x0000' bus='0x0a' slot='0x03' function='0x0'/></interface>
              </devices>
            </domain>
            """;
        string tmp = Directory.CreateTempSubdirectory("devaddr-bdf-").FullName;
        try
        {
            string path = Path.Combine(tmp, "bdf.xml");
            File.WriteAllText(path, domain);

            var live = LiveLibvirt.Run(path, "--query-pci");

            Assert.True((bool)live["started"]!, (string?)live["error"]);
            var layout = LibvirtHotplug.ReadLayout((string)live["live"]!);
            // Every PCI device gets a stand-in host address so the mapping lists it.
            var plan = layout.Plan with
            {
                Devices = layout.Plan.Devices.Select(d => d.Address is PciAddress && d.Kind != "controller" ? d with { Host = new HostDevice { Address = d.Id } } : d).ToList(),
            };
            var predicted = Assert.IsType<HostMappingResult.Mapped>(AddressPlanner.HostMapping(plan)).Mappings.ToDictionary(m => m.DeviceId, m => m.GuestBdf);
            var actual = new Dictionary<string, string>();
            void Walk(int bus, JsonArray devices)
            {
                foreach (var dev in devices)
                {
                    string? alias = (string?)dev!["qdev_id"];
                    if (alias is not null && layout.Aliases.TryGetValue(alias, out var id))
                        actual[id] = string.Create(CultureInfo.InvariantCulture, $"0000:{bus:x2}:{(int)dev["slot"]!:x2}.{(int)dev["function"]!:x}");
                    if (dev["pci_bridge"]?["devices"] is JsonArray children)
                        Walk((int)dev["pci_bridge"]!["bus"]!["secondary"]!, children);
                }
            }
            foreach (var root in live["pci"]!.AsArray())
                Walk((int)root!["bus"]!, root["devices"]!.AsArray());

            Assert.Equal(5, predicted.Count); // four NICs and the balloon
            foreach (var (id, bdf) in predicted)
            {
                output.WriteLine($"{id}: predicted {bdf}, firmware {actual.GetValueOrDefault(id)}");
                Assert.Equal(actual[id], bdf);
            }
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }
}
