using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using DevAddr.Libvirt.Tests.Oracle;

namespace DevAddr.Libvirt.Tests;

public sealed class CaseGeneratorTests
{
    private const int Cases = 200;

    /// <summary>Device kinds every profile draws (see <see cref="Kinds"/> for the naming).</summary>
    private static readonly string[] CommonKinds =
    [
        "machine:q35", "machine:pc", "machine:virt",
        "disk:disk:virtio", "disk:disk:sata", "disk:disk:ide", "disk:disk:scsi", "disk:disk:usb",
        "disk:cdrom:sata", "disk:cdrom:ide", "disk:cdrom:scsi",
        "interface:user:virtio", "interface:user:e1000", "interface:user:e1000e", "interface:user:rtl8139",
        "controller:usb:qemu-xhci", "controller:usb:nec-xhci", "controller:usb:piix3-uhci", "controller:usb:ich9-ehci1",
        "controller:usb:none", "controller:scsi:virtio-scsi", "controller:scsi:lsilogic",
        "controller:pci:pcie-root-port", "controller:pci:pci-bridge",
        "controller:pci:pcie-expander-bus", "controller:pci:pci-expander-bus",
        "input:tablet:usb", "input:keyboard:usb", "channel:unix:virtio", "console:virtio", "rng:random",
        "watchdog:i6300esb", "sound:ich6", "sound:ich9", "sound:ac97",
        "video:vga", "video:qxl", "video:virtio", "video:cirrus", "video:none", "memballoon:none",
        "numa", "pci-address:user", "pci-address:multifunction", "big", "invalid",
    ];

    /// <summary>What <see cref="CaseProfile.Breadth"/> adds.</summary>
    private static readonly string[] BreadthKinds =
    [
        "hostdev:pci", "hostdev:usb", "hostdev:scsi", "hostdev:scsi_host", "shmem:ivshmem-plain", "vsock:virtio",
        "iommu:virtio", "iommu:intel", "filesystem:mount", "input:tablet:virtio", "input:keyboard:virtio",
        "input:mouse:virtio", "crypto:virtio", "serial:pci-serial", "drive-address:scsi", "interface:vhostuser:virtio",
        "interface:bridge:virtio", "interface:bridge:e1000e", "rng:egd", "smartcard:host", "hub:usb", "sound:usb",
        "redirdev:spicevmc", "channel:spicevmc:virtio", "graphics:spice", "tpm:tpm-crb", "tpm:tpm-tis", "memory:dimm",
        "memory:virtio-mem", "panic:isa", "parallel:pty", "sound:codec", "watchdog:ib700",
    ];

    /// <summary>What <see cref="CaseProfile.Arches"/> draws (it has none of the x86 and PCI-only aarch64 guests).</summary>
    private static readonly string[] ArchesKinds =
    [
        "machine:pseries", "machine:s390-ccw-virtio", "machine:virt",
        "arch:ppc64", "arch:ppc64le", "arch:s390x", "arch:riscv64", "arch:armv7l", "arch:aarch64",
        "disk:disk:virtio", "disk:disk:scsi", "disk:disk:usb", "disk:cdrom:scsi",
        "interface:user:virtio", "interface:user:spapr-vlan", "interface:user:e1000", "interface:user:rtl8139", "interface:user:e1000e",
        "controller:scsi:ibmvscsi", "controller:scsi:virtio-scsi", "controller:pci:pcie-root-port",
        "controller:usb:qemu-xhci", "controller:usb:pci-ohci", "controller:usb:nec-xhci",
        "host-bridge", "host-bridge:target-index", "host-bridge:node", "host-bridge:pci-address", "numa",
        "serial:", "serial:spapr-vio-serial", "console:", "console:sclp", "console:sclplm", "console:virtio", "nvram:",
        "channel:unix:virtio", "rng:random", "watchdog:diag288", "panic:pseries", "panic:s390", "vsock:virtio",
        "input:tablet:usb", "input:keyboard:usb", "input:mouse:usb", "input:tablet:virtio", "input:keyboard:virtio", "input:mouse:virtio",
        "video:vga", "video:virtio", "video:bochs", "memballoon:none", "memballoon:virtio",
        "hostdev:pci", "hostdev:mdev:vfio-ccw", "hostdev:mdev:vfio-ap", "zpci:uid+fid", "zpci:uid", "zpci:fid",
        "address:spapr-vio", "address:ccw", "address:ccw-ssid", "address:virtio-mmio", "pci-address:user",
        "big", "invalid",
    ];

    [Fact]
    public void MachineName_EveryKind_Distinct()
    {
        var names = Enum.GetValues<MachineKind>().Select(CaseGenerator.MachineName).ToList();

        Assert.Equal(8, names.Count);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData(CaseProfile.Dev)]
    [InlineData(CaseProfile.Wide)]
    [InlineData(CaseProfile.Breadth)]
    [InlineData(CaseProfile.Arches)]
    public void Generate_SameSeedTwice_IdenticalBytes(CaseProfile profile)
    {
        using var dirs = new TempDirectory();
        string a = dirs.Sub("a"), b = dirs.Sub("b");

        CaseGenerator.WriteDirectory(a, 42, 50, profile);
        CaseGenerator.WriteDirectory(b, 42, 50, profile);

        var files = Directory.EnumerateFiles(a).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(50, files.Count);
        Assert.Equal(files, Directory.EnumerateFiles(b).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(files, f => Assert.Equal(File.ReadAllBytes(Path.Combine(a, f!)), File.ReadAllBytes(Path.Combine(b, f!))));
    }

    /// <summary>
    /// Pins the generator's output: the same seed must give these bytes on every machine and .NET version.
    /// A deliberate change to the generator changes this digest; update it in the same commit.
    /// </summary>
    [Theory]
    [InlineData(CaseProfile.Dev, "4a65cb8b02217e26bd186f790b54bb76711cf8109ae74b430cfff66e5973529a")]
    [InlineData(CaseProfile.Wide, "beba2f46e12f9984481b9a6b0b07299ac882ef3e4537c2003765437590af554d")]
    [InlineData(CaseProfile.Breadth, "24af170aa10bba6b9192f573ed9cc569de236367a006be26436021fcb271cd69")]
    [InlineData(CaseProfile.Arches, "b040e1856f7bd704fae8cc1fd2495dfc91a737346d9c9f385905787f7fb0170e")]
    public void Generate_Seed1_MatchesPinnedDigest(CaseProfile profile, string expectedSha256)
    {
        var all = string.Concat(CaseGenerator.Generate(1, 100, profile).Select(c => c.Name + "\n" + c.Xml));

        string actual = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(all)));
        Assert.True(expectedSha256 == actual, $"seed 1 of {profile} now hashes to {actual}, pinned {expectedSha256}");
    }

    [Fact]
    public void Generate_DifferentSeeds_DifferentCases()
    {
        var a = CaseGenerator.Generate(1, 20, CaseProfile.Dev).Select(c => c.Xml[c.Xml.IndexOf("<devices>", StringComparison.Ordinal)..]);
        var b = CaseGenerator.Generate(2, 20, CaseProfile.Dev).Select(c => c.Xml[c.Xml.IndexOf("<devices>", StringComparison.Ordinal)..]);

        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData(CaseProfile.Dev)]
    [InlineData(CaseProfile.Wide)]
    [InlineData(CaseProfile.Breadth)]
    [InlineData(CaseProfile.Arches)]
    public void Generate_AnyProfile_WellFormedQemuDomains(CaseProfile profile)
    {
        foreach (var c in CaseGenerator.Generate(7, Cases, profile))
        {
            var domain = XDocument.Parse(c.Xml).Root!;
            Assert.Equal("domain", domain.Name.LocalName);
            Assert.Equal("qemu", (string?)domain.Attribute("type"));
            Assert.Equal(c.Name, (string?)domain.Element("name"));
            Assert.EndsWith("-" + CaseGenerator.MachineName(c.Machine), c.Name, StringComparison.Ordinal);
            Assert.Equal(CaseGenerator.MachineType(c.Machine), (string?)domain.Element("os")!.Element("type")!.Attribute("machine"));
            Assert.NotNull(domain.Element("devices")!.Element("emulator"));
            Assert.True(Encoding.UTF8.GetByteCount(c.Xml) == c.Xml.Length, "ASCII only");
            Assert.DoesNotContain('\r', c.Xml);
            Assert.EndsWith("</domain>\n", c.Xml, StringComparison.Ordinal);
            var macs = domain.Descendants("mac").Select(m => (string?)m.Attribute("address")).ToList();
            Assert.Equal(macs.Count, macs.Distinct().Count());
            var disks = domain.Descendants("disk").Select(d => (string?)d.Element("target")!.Attribute("dev")).ToList();
            Assert.Equal(disks.Count, disks.Distinct().Count());
        }
    }

    [Theory]
    [InlineData(CaseProfile.Dev)]
    [InlineData(CaseProfile.Wide)]
    [InlineData(CaseProfile.Breadth)]
    [InlineData(CaseProfile.Arches)]
    public void Generate_200Cases_CoverTheDeviceKindsTheProfilePromises(CaseProfile profile)
    {
        var seen = CaseGenerator.Generate(3, Cases, profile).SelectMany(Kinds).ToHashSet(StringComparer.Ordinal);

        var promised = profile switch
        {
            CaseProfile.Breadth => CommonKinds.Concat(BreadthKinds),
            CaseProfile.Arches => ArchesKinds,
            _ => CommonKinds,
        };
        var missing = promised.Where(k => !seen.Contains(k)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Generate_ArchesProfile_EveryOtherMachineKindAndNoneOfTheOthers()
    {
        var cases = CaseGenerator.Generate(5, Cases, CaseProfile.Arches).ToList();
        var counts = cases.GroupBy(c => c.Machine).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(
            [MachineKind.Pseries, MachineKind.Ccw, MachineKind.Riscv, MachineKind.Armv7, MachineKind.Mmio],
            counts.Keys.Order());
        Assert.All(counts.Values, n => Assert.InRange(n, Cases / 30, Cases / 2));
        Assert.All(cases, c => Assert.StartsWith("arches5-", c.Name, StringComparison.Ordinal));
        int invalid = cases.Count(c => c.DeliberatelyInvalid);
        Assert.InRange(invalid, 1, Cases / 8);
    }

    [Fact]
    public void Generate_ArchesProfile_MmioGuestsAskForVirtioMmioAndOthersDoNot()
    {
        foreach (var c in CaseGenerator.Generate(5, Cases, CaseProfile.Arches))
        {
            bool asks = c.Xml.Contains("type='virtio-mmio'", StringComparison.Ordinal);
            Assert.True(c.Machine == MachineKind.Mmio || !asks, c.Name);
        }

        Assert.Contains(
            CaseGenerator.Generate(5, Cases, CaseProfile.Arches),
            c => c.Machine == MachineKind.Mmio && c.Xml.Contains("type='virtio-mmio'", StringComparison.Ordinal));
    }

    [Fact]
    public void Generate_WideProfile_ReachesAHundredDevices()
    {
        int most = CaseGenerator.Generate(3, Cases, CaseProfile.Wide)
            .Max(c => XDocument.Parse(c.Xml).Root!.Element("devices")!.Elements().Count());

        Assert.InRange(most, 100, 200);
    }

    /// <summary>Names what a case contains, read from its XML (not from the generator's own bookkeeping).</summary>
    private static IEnumerable<string> Kinds(GeneratedCase c)
    {
        var domain = XDocument.Parse(c.Xml).Root!;
        var devices = domain.Element("devices")!.Elements().ToList();
        yield return "machine:" + (string?)domain.Element("os")!.Element("type")!.Attribute("machine");
        yield return "arch:" + (string?)domain.Element("os")!.Element("type")!.Attribute("arch");
        if (domain.Element("cpu")?.Element("numa") is not null)
        {
            yield return "numa";
        }

        if (devices.Count >= 40)
        {
            yield return "big";
        }

        if (c.DeliberatelyInvalid)
        {
            yield return "invalid";
        }

        foreach (var d in devices)
        {
            string? Attr(XElement? e, string name) => (string?)e?.Attribute(name);
            var address = d.Element("address");
            if (d.Name != "controller" && Attr(address, "type") == "pci")
            {
                yield return "pci-address:user";
            }

            if (Attr(address, "multifunction") == "on")
            {
                yield return "pci-address:multifunction";
            }

            if (Attr(address, "type") == "drive")
            {
                yield return "drive-address:" + Attr(d.Element("target"), "bus");
            }

            if (Attr(address, "type") is "spapr-vio" or "ccw" or "virtio-mmio")
            {
                yield return "address:" + Attr(address, "type");
            }

            if (Attr(address, "type") == "ccw" && Attr(address, "ssid") != "0x0")
            {
                yield return "address:ccw-ssid";
            }

            if (address?.Element("zpci") is { } zpci)
            {
                yield return "zpci:" + string.Join('+', zpci.Attributes().Select(a => a.Name.LocalName));
            }

            if (d.Name == "hostdev" && Attr(d, "type") == "mdev")
            {
                yield return "hostdev:mdev:" + Attr(d, "model");
            }

            if (Attr(d.Element("model"), "name") == "spapr-pci-host-bridge")
            {
                yield return "host-bridge";
                if (Attr(d.Element("target"), "index") is not null)
                {
                    yield return "host-bridge:target-index";
                }

                if (d.Element("target")?.Element("node") is not null)
                {
                    yield return "host-bridge:node";
                }
            }

            if (d.Name != "controller" && Attr(address, "type") == "pci" && Attr(address, "bus") is { } bus && bus != "0x00"
                && devices.Exists(h => Attr(h.Element("model"), "name") == "spapr-pci-host-bridge"))
            {
                yield return "host-bridge:pci-address";
            }

            yield return d.Name.LocalName switch
            {
                "disk" => $"disk:{Attr(d, "device")}:{Attr(d.Element("target"), "bus")}",
                "interface" => $"interface:{Attr(d, "type")}:{Attr(d.Element("model"), "type")}",
                "controller" => $"controller:{Attr(d, "type")}:{Attr(d, "model")}",
                "hostdev" => "hostdev:" + Attr(d, "type"),
                "input" => $"input:{Attr(d, "type")}:{Attr(d, "bus")}",
                "channel" => $"channel:{Attr(d, "type")}:{Attr(d.Element("target"), "type")}",
                "console" or "serial" => $"{d.Name}:{Attr(d.Element("target"), "type")}",
                "rng" => "rng:" + Attr(d.Element("backend"), "model"),
                "video" or "shmem" => $"{d.Name}:{Attr(d.Element("model"), "type")}",
                "sound" => "sound:" + (d.Element("codec") is null ? Attr(d, "model") : "codec"),
                "filesystem" or "parallel" or "graphics" or "redirdev" or "hub" => $"{d.Name}:{Attr(d, "type")}",
                "smartcard" => "smartcard:" + Attr(d, "mode"),
                _ => $"{d.Name}:{Attr(d, "model")}",
            };
        }
    }
}
