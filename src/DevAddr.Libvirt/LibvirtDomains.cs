using System.Globalization;
using System.Xml.Linq;
using DevAddr.Core.Catalog;
using DevAddr.Core.Host;
using DevAddr.Core.Model;

namespace DevAddr.Libvirt;

/// <summary>What a domain definition written from a plan gets besides its devices.</summary>
public sealed record DomainOptions
{
    /// <summary>The domain's name.</summary>
    public string Name { get; init; } = "devaddr-guest";
    /// <summary>Domain type: <c>kvm</c>, or <c>qemu</c> (TCG, no hardware virtualization).</summary>
    public string Type { get; init; } = "kvm";
    /// <summary>Guest memory in MiB, split evenly among the NUMA cells.</summary>
    public int MemoryMiB { get; init; } = 4096;
    /// <summary>vCPUs, spread over the cells that have CPUs (at least one per such cell).</summary>
    public int Vcpus { get; init; } = 2;
    /// <summary>
    /// Guest physical address bits. Null: the host's (<c>kvm</c>: <c>&lt;maxphysaddr mode='passthrough'/&gt;</c>) or 46
    /// (<c>qemu</c>); the 64-bit PCI hole of a plan with large BARs needs them.
    /// </summary>
    public int? PhysBits { get; init; }
    /// <summary>The QEMU binary (<c>&lt;emulator&gt;</c>); null: libvirt's default.</summary>
    public string? Emulator { get; init; }
}

/// <summary>
/// Domain definitions written from plans: the machine, guest NUMA cells (CPU-less where the plan mirrors a host node
/// without CPUs), physical address bits for the 64-bit PCI hole, and every device of the plan with its address.
/// </summary>
public static class LibvirtDomains
{
    /// <summary>A libvirt domain definition of <paramref name="plan"/>.</summary>
    public static string Create(Plan plan, DomainOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        options ??= new DomainOptions();
        static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        var root = new XElement("domain", new XAttribute("type", options.Type),
            new XElement("name", options.Name),
            new XElement("memory", new XAttribute("unit", "KiB"), Inv($"{(long)options.MemoryMiB * 1024}")));

        var cells = Cells(plan);
        int cpuCells = cells.Count(c => c.Cpus);
        int vcpus = Math.Max(options.Vcpus, Math.Max(1, cpuCells));
        root.Add(new XElement("vcpu", Inv($"{vcpus}")));
        root.Add(new XElement("os", new XElement("type", new XAttribute("arch", plan.Machine.Arch), new XAttribute("machine", plan.Machine.Type), "hvm")));
        // ACPI where the machine has it (models/machines.json, "acpi"); libvirt refuses it on pseries and s390-ccw-virtio.
        if (DeviceCatalog.Default.FindMachine(plan.Machine.Arch, plan.Machine.Type)?.Acpi ?? true)
            root.Add(new XElement("features", new XElement("acpi")));

        var cpu = options.Type == "kvm"
            ? new XElement("cpu", new XAttribute("mode", "host-passthrough"))
            : new XElement("cpu", new XAttribute("mode", "custom"), new XAttribute("match", "exact"),
                new XElement("model", new XAttribute("fallback", "allow"), plan.Machine.Arch == "x86_64" ? "qemu64" : "max"));
        if (options.PhysBits is int bits)
            cpu.Add(new XElement("maxphysaddr", new XAttribute("mode", "emulate"), new XAttribute("bits", Inv($"{bits}"))));
        else if (options.Type == "kvm")
            cpu.Add(new XElement("maxphysaddr", new XAttribute("mode", "passthrough")));
        else if (plan.Machine.Arch == "x86_64")
            cpu.Add(new XElement("maxphysaddr", new XAttribute("mode", "emulate"), new XAttribute("bits", "46")));
        if (cells.Count > 0)
        {
            var numa = new XElement("numa");
            long cellKiB = (long)options.MemoryMiB * 1024 / cells.Count;
            int next = 0, cpuCell = 0;
            for (int i = 0; i < cells.Count; i++)
            {
                var cell = new XElement("cell", new XAttribute("id", Inv($"{i}")));
                if (cells[i].Cpus)
                {
                    // vCPUs spread evenly over the cells with CPUs, the first cells taking one more when they do not divide.
                    int count = vcpus / cpuCells + (cpuCell++ < vcpus % cpuCells ? 1 : 0);
                    cell.Add(new XAttribute("cpus", count == 1 ? Inv($"{next}") : Inv($"{next}-{next + count - 1}")));
                    next += count;
                }
                cell.Add(new XAttribute("memory", Inv($"{cellKiB}")), new XAttribute("unit", "KiB"));
                numa.Add(cell);
            }
            cpu.Add(numa);
        }
        if (cpu.HasElements || options.Type == "qemu") root.Add(cpu);

        var devices = new XElement("devices");
        if (options.Emulator is string emulator) devices.Add(new XElement("emulator", emulator));
        root.Add(devices);
        var source = DomainXml.Parse(root.ToString(SaveOptions.DisableFormatting));
        return DomainXmlWriter.Write(source, plan);
    }

    /// <summary>
    /// The guest NUMA cells a plan needs: every cell an expander bus names, and those below it. A cell has CPUs unless
    /// the plan mirrors only host nodes without CPUs into it.
    /// </summary>
    public static IReadOnlyList<(int Cell, bool Cpus)> Cells(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var named = plan.Devices.Select(d => d.Controller?.NumaNode).OfType<int>().ToList();
        var mirrored = plan.Solver?.Mirror?.NumaCells ?? [];
        int count = named.Concat(mirrored.Select(c => c.Cell)).Select(c => c + 1).DefaultIfEmpty(0).Max();
        var cpuless = mirrored.Where(c => !c.Cpus).Select(c => c.Cell).ToHashSet();
        var cells = Enumerable.Range(0, count).Select(c => (c, !cpuless.Contains(c))).ToList();
        // A guest needs a cell with CPUs.
        if (cells.Count > 0 && cells.All(c => !c.Item2)) cells[0] = (0, true);
        return cells;
    }

    /// <summary>The QEMU device id of the stand-in for a host function, e.g. <c>host-0000-1b-00-0</c> for 0000:1b:00.0.</summary>
    public static string StandInId(string hostAddress) =>
        "host-" + (HostTopologyIndex.Normalize(hostAddress) ?? hostAddress).Replace(':', '-').Replace('.', '-');

    /// <summary>
    /// The definition with emulated stand-ins for its passed-through PCI devices, so that QEMU can start the topology
    /// without the host's devices: each <c>&lt;hostdev&gt;</c> becomes, at the same guest address, an
    /// <c>ivshmem-plain</c> whose memory backend has the size of the host function's largest memory BAR (QEMU shows it
    /// as BAR 2, 64-bit prefetchable; BAR 0 is its 256-byte register BAR), or for an NVMe function (class 0x0108) QEMU's
    /// <c>nvme</c> controller (a 16 KiB 64-bit BAR 0). The stand-ins are QEMU command-line devices
    /// (<c>&lt;qemu:commandline&gt;</c>, ids from <see cref="StandInId"/>), memory backends with <c>reserve=off</c> so that large BARs cost no host memory.
    /// </summary>
    /// <exception cref="DomainXmlException">The XML cannot be read.</exception>
    public static string WithStandIns(string xml, HostTopologyIndex host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var domain = DomainXml.Parse(xml);
        var root = domain.Document.Root!;
        var args = new List<string>();
        foreach (var d in domain.Request.Devices.Where(HostTopologies.IsHostPci).ToList())
        {
            var el = domain.ElementOf(d.Id)!;
            if (d.Address is not PciAddress a || host.Find(d.Host!.Address) is not { } f) continue;
            // JSON syntax, as libvirt's own devices: QEMU creates key=value -device options before JSON ones, so a
            // key=value stand-in would look for its port before the port exists.
            string place = string.Create(CultureInfo.InvariantCulture, $"\"bus\":\"pci.{a.Bus}\",\"addr\":\"0x{a.Slot:x}.0x{a.Function:x}\"")
                           + (a.Multifunction == true ? ",\"multifunction\":true" : "");
            string id = StandInId(f.Address);
            if (f.Class.StartsWith("0x0108", StringComparison.Ordinal))
            {
                args.AddRange(["-device", $"{{\"driver\":\"nvme\",\"id\":\"{id}\",\"serial\":\"{id}\",{place}}}"]);
            }
            else
            {
                long size = f.Bars.Where(b => b.Kind != "io").Select(b => b.Size).DefaultIfEmpty(1L << 20).Max();
                args.AddRange(["-object", string.Create(CultureInfo.InvariantCulture, $"{{\"qom-type\":\"memory-backend-ram\",\"id\":\"{id}-mem\",\"size\":{size},\"reserve\":false}}"),
                    "-device", $"{{\"driver\":\"ivshmem-plain\",\"id\":\"{id}\",\"memdev\":\"{id}-mem\",{place}}}"]);
            }
            el.Remove();
        }
        if (args.Count > 0)
        {
            var ns = QemuOverride.Qemu;
            if (root.GetNamespaceOfPrefix("qemu") is null) root.Add(new XAttribute(XNamespace.Xmlns + "qemu", ns));
            var commandline = root.Element(ns + "commandline");
            if (commandline is null) root.Add(commandline = new XElement(ns + "commandline"));
            foreach (string arg in args) commandline.Add(new XElement(ns + "arg", new XAttribute("value", arg)));
        }
        return root.ToString() + "\n";
    }
}
