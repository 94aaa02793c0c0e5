using System.Globalization;
using System.Text;
using DevAddr.Core.Host;
using DevAddr.Core.Model;

namespace DevAddr.Core.Tests;

/// <summary>
/// Writes a host topology as a Linux sysfs tree, the way the kernel lays it out: <c>devices/pciDDDD:BB/…/ADDRESS</c>
/// directories (class, vendor, device, numa_node, resource, a config space with the bridge bus numbers and the PCI
/// Express capability, sriov_*), <c>bus/pci/devices</c>, <c>iommu_group</c>, <c>physfn</c> and <c>driver</c> symlinks,
/// <c>kernel/iommu_groups</c> (without the links back to the devices, which would make cycles) and <c>devices/system/node</c>. lspci reads such a tree (<c>-O sysfs.path=…</c>) as it
/// reads /sys. With <paramref name="configBytes"/> 64, config space is cut where an unprivileged read stops.
/// </summary>
internal static class SysfsTreeWriter
{
    public static void Write(HostTopology host, string root, int configBytes = 256)
    {
        if (HostTopologyIndex.Create(host).Error is { } error) throw new ArgumentException(error.Message, nameof(host));
        var byAddress = host.Functions.ToDictionary(f => HostTopologyIndex.Normalize(f.Address)!, StringComparer.Ordinal);
        string Dir(HostPciFunction f) =>
            Path.Combine([root, "devices", f.RootComplex, .. f.Upstream.Select(u => HostTopologyIndex.Normalize(u)!), HostTopologyIndex.Normalize(f.Address)!]);
        var secondary = SecondaryBuses(host, byAddress);
        long nextAddress = 1L << 40;

        foreach (var rc in host.RootComplexes) Directory.CreateDirectory(Path.Combine(root, "devices", rc.Id));
        string devicesLinks = Directory.CreateDirectory(Path.Combine(root, "bus", "pci", "devices")).FullName;
        foreach (var f in host.Functions.OrderBy(f => f.Upstream.Count))
        {
            string address = HostTopologyIndex.Normalize(f.Address)!;
            string dir = Directory.CreateDirectory(Dir(f)).FullName;
            File.WriteAllText(Path.Combine(dir, "class"), f.Class + "\n");
            File.WriteAllText(Path.Combine(dir, "vendor"), f.Vendor + "\n");
            File.WriteAllText(Path.Combine(dir, "device"), f.Device + "\n");
            File.WriteAllText(Path.Combine(dir, "numa_node"), (f.NumaNode ?? -1).ToString(CultureInfo.InvariantCulture) + "\n");
            File.WriteAllText(Path.Combine(dir, "resource"), Resource(f, ref nextAddress));
            File.WriteAllBytes(Path.Combine(dir, "config"), Config(f, secondary, byAddress, host)[..configBytes]);
            if (f.Sriov is { } sr)
            {
                File.WriteAllText(Path.Combine(dir, "sriov_totalvfs"), sr.TotalVfs.ToString(CultureInfo.InvariantCulture) + "\n");
                File.WriteAllText(Path.Combine(dir, "sriov_numvfs"), sr.NumVfs.ToString(CultureInfo.InvariantCulture) + "\n");
            }
            if (f.IommuGroup is int g)
            {
                // (The kernel also links each group's devices back; left out so the tree has no cycles to walk into.)
                // Its type file, as the kernel has it, keeps the directory (git does not keep empty ones).
                string groupDir = Directory.CreateDirectory(Path.Combine(root, "kernel", "iommu_groups", g.ToString(CultureInfo.InvariantCulture))).FullName;
                File.WriteAllText(Path.Combine(groupDir, "type"), "DMA\n");
                File.CreateSymbolicLink(Path.Combine(dir, "iommu_group"), Path.GetRelativePath(dir, groupDir));
            }
            if (f.PhysicalFunction is string pf)
                File.CreateSymbolicLink(Path.Combine(dir, "physfn"), Path.GetRelativePath(dir, Dir(byAddress[HostTopologyIndex.Normalize(pf)!])));
            if (f.Driver is string driver)
            {
                string driverDir = Directory.CreateDirectory(Path.Combine(root, "bus", "pci", "drivers", driver)).FullName;
                File.WriteAllText(Path.Combine(driverDir, "bind"), "");
                File.CreateSymbolicLink(Path.Combine(dir, "driver"), Path.GetRelativePath(dir, driverDir));
            }
            File.CreateSymbolicLink(Path.Combine(devicesLinks, address), Path.GetRelativePath(devicesLinks, dir));
        }

        foreach (var n in host.NumaNodes)
        {
            string dir = Directory.CreateDirectory(Path.Combine(root, "devices", "system", "node", $"node{n.Id.ToString(CultureInfo.InvariantCulture)}")).FullName;
            File.WriteAllText(Path.Combine(dir, "cpulist"), n.Cpus + "\n");
            if (n.MemoryMiB is long mib)
                File.WriteAllText(Path.Combine(dir, "meminfo"), string.Create(CultureInfo.InvariantCulture, $"Node {n.Id} MemTotal:       {mib * 1024} kB\nNode {n.Id} MemFree:        {mib * 1024} kB\n"));
        }
    }

    /// <summary>The kernel's resource flags of a BAR kind.</summary>
    public static ulong FlagsOf(string kind) => kind switch
    {
        "io" => 0x40101,
        "mem32" => 0x40200,
        "mem32pref" => 0x42208,
        "mem64" => 0x140204,
        _ => 0x14220c,
    };

    private static string Resource(HostPciFunction f, ref long next)
    {
        var sb = new StringBuilder();
        int lines = f.IsBridge ? 17 : 13;
        for (int i = 0; i < lines; i++)
        {
            var bar = i < 6 ? f.Bars.FirstOrDefault(b => b.Index == i) : null;
            if (bar is null)
            {
                sb.Append("0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
                continue;
            }
            long start = (next + bar.Size - 1) / bar.Size * bar.Size;
            next = start + bar.Size;
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"0x{start:x16} 0x{start + bar.Size - 1:x16} 0x{FlagsOf(bar.Kind):x16}\n"));
        }
        return sb.ToString();
    }

    /// <summary>The bus behind each bridge: its children's bus, or for an empty port the lowest free bus above its own.</summary>
    private static Dictionary<string, int> SecondaryBuses(HostTopology host, Dictionary<string, HostPciFunction> byAddress)
    {
        static int BusOf(string a) => int.Parse(a.Split(':')[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        static string DomainOf(string a) => a.Split(':')[0];
        var used = host.Functions.Select(f => HostTopologyIndex.Normalize(f.Address)!).Select(a => (DomainOf(a), BusOf(a))).ToHashSet();
        var secondary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var f in host.Functions)
        {
            if (f.Upstream.Count == 0) continue;
            string parent = HostTopologyIndex.Normalize(f.Upstream[^1])!;
            secondary[parent] = BusOf(HostTopologyIndex.Normalize(f.Address)!);
        }
        foreach (var (address, f) in byAddress.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!f.IsBridge || secondary.ContainsKey(address)) continue;
            int bus = BusOf(address) + 1;
            while (used.Contains((DomainOf(address), bus)) || secondary.Any(kv => DomainOf(kv.Key) == DomainOf(address) && kv.Value == bus)) bus++;
            secondary[address] = bus;
        }
        return secondary;
    }

    private static readonly Dictionary<string, int> s_portTypeCodes = new(StringComparer.Ordinal)
    {
        [HostPortTypes.Endpoint] = 0, [HostPortTypes.LegacyEndpoint] = 1, [HostPortTypes.RootPort] = 4,
        [HostPortTypes.SwitchUpstreamPort] = 5, [HostPortTypes.SwitchDownstreamPort] = 6, [HostPortTypes.PcieToPciBridge] = 7,
        [HostPortTypes.PciToPcieBridge] = 8, [HostPortTypes.IntegratedEndpoint] = 9, [HostPortTypes.EventCollector] = 10,
    };

    private static byte[] Config(HostPciFunction f, Dictionary<string, int> secondary, Dictionary<string, HostPciFunction> byAddress, HostTopology host)
    {
        var c = new byte[256];
        int Hex(string text) => int.Parse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        BitConverter.TryWriteBytes(c.AsSpan(0x00), (ushort)Hex(f.Vendor));
        BitConverter.TryWriteBytes(c.AsSpan(0x02), (ushort)Hex(f.Device));
        BitConverter.TryWriteBytes(c.AsSpan(0x04), (ushort)0x0006);
        int cls = Hex(f.Class);
        c[0x09] = (byte)(cls & 0xff);
        c[0x0a] = (byte)((cls >> 8) & 0xff);
        c[0x0b] = (byte)((cls >> 16) & 0xff);
        string address = HostTopologyIndex.Normalize(f.Address)!;
        string slot = address[..^2];
        bool multi = host.Functions.Count(o => HostTopologyIndex.Normalize(o.Address)![..^2] == slot) > 1;
        c[0x0e] = (byte)((f.IsBridge ? 1 : 0) | (multi ? 0x80 : 0));
        if (f.IsBridge)
        {
            int own = int.Parse(address.Split(':')[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            int sec = secondary[address];
            int sub = byAddress.Values.Where(o => o.Upstream.Any(u => HostTopologyIndex.Normalize(u) == address))
                .Select(o => int.Parse(HostTopologyIndex.Normalize(o.Address)!.Split(':')[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture))
                .Append(sec).Max();
            sub = Math.Max(sub, byAddress.Keys.Where(k => f.IsBridge && secondary.TryGetValue(k, out _) && byAddress[k].Upstream.Any(u => HostTopologyIndex.Normalize(u) == address))
                .Select(k => secondary[k]).DefaultIfEmpty(sec).Max());
            c[0x18] = (byte)own;
            c[0x19] = (byte)sec;
            c[0x1a] = (byte)sub;
        }
        if (s_portTypeCodes.TryGetValue(f.PortType, out int code))
        {
            c[0x06] = 0x10;  // capability list
            c[0x34] = 0x40;
            c[0x40] = 0x10;  // PCI Express capability
            c[0x41] = 0x00;
            c[0x42] = (byte)(0x02 | (code << 4));
        }
        return c;
    }
}
