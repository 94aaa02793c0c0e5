using CsCheck;
using DevAddr.Core.Model;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// CsCheck generators of planning requests: machine types (pc, q35, virt and their aliases, now and then an
/// unknown one), device mixes drawn from every kind the catalog knows, controller options, and user addresses
/// of every kind, mostly plausible, some out of range or of the wrong kind.
/// </summary>
internal static class RequestGenerators
{
    private static readonly (string Arch, string Type)[] KnownMachines =
    [
        ("x86_64", "pc"), ("x86_64", "q35"), ("aarch64", "virt"),
        ("x86_64", "pc-i440fx-7.2"), ("x86_64", "pc-q35-7.2"), ("aarch64", "virt-7.2"), ("i686", "pc"),
    ];

    public static readonly Gen<MachineSpec> Machine = Gen.Frequency(
        (30, Gen.OneOf(KnownMachines).Select(m => new MachineSpec(m.Arch, m.Type))),
        (1, Gen.OneOf(new MachineSpec("x86_64", "isapc"), new MachineSpec("riscv64", "virt"), new MachineSpec("aarch64", "q35"))));

    private static Gen<string?> Letters(string prefix) =>
        Gen.Frequency(
            (20, Gen.Int[0, 25].Select(i => (string?)(prefix + (char)('a' + i)))),
            (2, Gen.Int[0, 25].Select(i => (string?)(prefix + "a" + (char)('a' + i)))),
            (1, Gen.OneOf<string?>(null, prefix, "xyz", prefix + "zzzz", prefix + "a1")));

    // ---- addresses -------------------------------------------------------------------------------------

    public static readonly Gen<PciAddress> PciPlausible =
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, 31], Gen.Frequency((6, Gen.Const(0)), (1, Gen.Int[0, 7])), Gen.OneOf<bool?>(null, null, null, true, false),
            (bus, slot, fn, multi) => new PciAddress(0, bus, slot, fn, multi));

    public static readonly Gen<PciAddress> PciAbsurd = Gen.OneOf(
        Gen.Select(Gen.Int[0, 0xffff], Gen.Int[0, 300], Gen.Int[0, 40], Gen.Int[0, 12], (d, b, s, f) => new PciAddress(d, b, s, f)),
        Gen.Select(Gen.Int.Positive, Gen.Int.Positive, (b, s) => new PciAddress(0, b, s % 64, 0)),
        Gen.Const(new PciAddress(0, 0, 0, 0)));

    private static readonly Gen<DeviceAddress> DrivePlausible =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 1], Gen.Int[0, 1], Gen.Int[0, 7], (c, b, t, u) => (DeviceAddress)new DriveAddress(c, b, t, u));

    private static readonly Gen<DeviceAddress> DriveAbsurd =
        Gen.Select(Gen.Int[-2, 300], Gen.Int[-2, 5], Gen.Int[-1, 300], Gen.Int[-1, 20000], (c, b, t, u) => (DeviceAddress)new DriveAddress(c, b, t, u));

    private static readonly Gen<string> UsbPort = Gen.Frequency(
        (10, Gen.Int[1, 6].Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (4, Gen.Select(Gen.Int[1, 4], Gen.Int[1, 9], (a, b) => $"{a}.{b}")),
        (1, Gen.Select(Gen.Int[1, 3], Gen.Int[1, 3], Gen.Int[1, 3], (a, b, c) => $"{a}.{b}.{c}")),
        (1, Gen.OneOf("", "0", "1.1.1.1.1", "x", "1..2", "-1", "99999999999", "1.0", " 1")));

    private static readonly Gen<DeviceAddress> UsbAny =
        Gen.Select(Gen.Frequency((8, Gen.Const(0)), (1, Gen.Int[-1, 3])), UsbPort, (b, p) => (DeviceAddress)new UsbAddress(b, p));

    private static readonly Gen<DeviceAddress> SerialAny =
        Gen.Select(Gen.Frequency((8, Gen.Const(0)), (1, Gen.Int[-1, 2])), Gen.Frequency((8, Gen.Const(0)), (1, Gen.Int[-1, 2])),
            Gen.Frequency((8, Gen.Int[0, 4]), (1, Gen.Int[-1, 40])), (c, b, p) => (DeviceAddress)new VirtioSerialAddress(c, b, p));

    private static readonly Gen<DeviceAddress> OtherAny = Gen.OneOf(
        Gen.Select(Gen.Int[-1, 2], Gen.Int[-1, 3], (c, s) => (DeviceAddress)new CcidAddress(c, s)),
        Gen.Int[-1, 5].Select(s => (DeviceAddress)new DimmAddress(s)),
        Gen.OneOf<DeviceAddress>(new OtherAddress("virtio-mmio"), new OtherAddress("isa", new Dictionary<string, string> { ["iobase"] = "0x3f8" }), new OtherAddress("unassigned")));

    /// <summary>Any address: mostly plausible PCI, sometimes absurd, sometimes of another kind.</summary>
    public static readonly Gen<DeviceAddress> AnyAddress = Gen.Frequency(
        (10, PciPlausible.Select(a => (DeviceAddress)a)),
        (2, PciAbsurd.Select(a => (DeviceAddress)a)),
        (3, DrivePlausible), (1, DriveAbsurd), (3, UsbAny), (2, SerialAny), (2, OtherAny));

    /// <summary>The address a device of this kind would plausibly be given (or, now and then, any address).</summary>
    private static Gen<DeviceAddress> AddressFor(string addressKind) => Gen.Frequency(
        (6, addressKind switch
        {
            "drive" => Gen.Frequency((6, DrivePlausible), (1, DriveAbsurd)),
            "usb" => UsbAny,
            "virtio-serial" => SerialAny,
            "ccid" => Gen.Select(Gen.Int[0, 1], Gen.Int[0, 3], (c, s) => (DeviceAddress)new CcidAddress(c, s)),
            "dimm" => Gen.Int[0, 4].Select(s => (DeviceAddress)new DimmAddress(s)),
            _ => Gen.Frequency((6, PciPlausible.Select(a => (DeviceAddress)a)), (1, PciAbsurd.Select(a => (DeviceAddress)a))),
        }),
        (1, AnyAddress));

    // ---- devices ---------------------------------------------------------------------------------------

    private sealed record Template(string Kind, string? Type, string? Model, string? Bus, Gen<string?>? Target, string AddressKind);

    private static Template T(string kind, string? type = null, string? model = null, string? bus = null, Gen<string?>? target = null, string address = "pci") =>
        new(kind, type, model, bus, target, address);

    private static readonly (int Weight, Template Template)[] Templates =
    [
        (8, T("disk", bus: "virtio", target: Letters("vd"))),
        (2, T("disk", model: "virtio-transitional", bus: "virtio", target: Letters("vd"))),
        (4, T("disk", bus: "sata", target: Letters("sd"), address: "drive")),
        (2, T("disk", type: "cdrom", bus: "sata", target: Letters("sd"), address: "drive")),
        (4, T("disk", bus: "scsi", target: Letters("sd"), address: "drive")),
        (2, T("disk", bus: "ide", target: Gen.Frequency((8, Gen.OneOf<string?>("hda", "hdb", "hdc", "hdd")), (1, Letters("hd"))), address: "drive")),
        (1, T("disk", type: "floppy", bus: "fdc", target: Gen.Frequency((8, Gen.OneOf<string?>("fda", "fdb")), (1, Letters("fd"))), address: "drive")),
        (2, T("disk", bus: "usb", target: Letters("sd"), address: "usb")),
        (6, T("interface", type: "network", model: "virtio")),
        (3, T("interface", type: "user", model: "e1000")),
        (3, T("interface", type: "bridge", model: "e1000e")),
        (2, T("interface", type: "user", model: "rtl8139")),
        (1, T("interface", type: "user", model: "virtio-transitional")),
        (1, T("interface", type: "user", model: "virtio-non-transitional")),
        (1, T("interface", type: "user")),
        (1, T("interface", type: "user", model: "usb-net", address: "usb")),
        (1, T("interface", type: "hostdev")),
        (2, T("sound", model: "ich9")), (1, T("sound", model: "ich6")), (1, T("sound", model: "ac97")), (1, T("sound", model: "es1370")),
        (1, T("sound", model: "usb", address: "usb")),
        (3, T("video", model: "virtio")), (2, T("video", model: "vga")), (1, T("video", model: "cirrus")), (2, T("video", model: "qxl")),
        (1, T("video", model: "bochs")), (1, T("video", model: "none")), (1, T("video")),
        (3, T("hostdev", type: "pci")), (2, T("hostdev", type: "usb", address: "usb")), (2, T("hostdev", type: "scsi", address: "drive")),
        (1, T("hostdev", type: "scsi_host")), (1, T("hostdev", type: "mdev", model: "vfio-pci")),
        (3, T("input", type: "tablet", bus: "usb", address: "usb")), (1, T("input", type: "keyboard", bus: "usb", address: "usb")),
        (1, T("input", type: "mouse", bus: "ps2", address: "none")), (1, T("input", type: "keyboard", bus: "virtio")),
        (4, T("channel", type: "virtio", target: Gen.OneOf<string?>("org.qemu.guest_agent.0", "com.redhat.spice.0", "org.example.x", null), address: "virtio-serial")),
        (1, T("console", type: "virtio", address: "none")), (1, T("console", type: "serial", address: "none")),
        (1, T("serial", type: "pci-serial")), (1, T("serial", type: "usb-serial", address: "usb")), (1, T("serial", type: "isa-serial", address: "none")),
        (2, T("hub", type: "usb", address: "usb")), (1, T("redirdev", type: "spicevmc", bus: "usb", address: "usb")),
        (1, T("smartcard", type: "host", address: "ccid")),
        (2, T("memballoon", model: "virtio")), (1, T("memballoon", model: "none", address: "none")), (1, T("memballoon", model: "virtio-transitional")),
        (3, T("rng", model: "virtio")), (1, T("watchdog", model: "i6300esb")), (1, T("watchdog", model: "itco", address: "none")),
        (1, T("shmem")), (1, T("filesystem", type: "mount")), (1, T("vsock", model: "virtio")),
        (1, T("iommu", model: "virtio")), (1, T("iommu", model: "intel", address: "none")),
        (1, T("memory", model: "dimm", address: "dimm")), (1, T("memory", model: "virtio-mem")), (1, T("memory", model: "virtio-pmem")),
        (1, T("graphics", type: "vnc", address: "none")), (1, T("tpm", model: "tpm-crb", address: "none")), (1, T("panic", model: "isa", address: "none")),
    ];

    private static readonly string[] UsbModels =
        ["qemu-xhci", "nec-xhci", "piix3-uhci", "ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3", "ehci", "pci-ohci", "none", "qusb2"];

    private static readonly string[] ScsiModels = ["virtio-scsi", "lsilogic", "lsisas1068", "lsisas1078", "virtio-transitional", "dc390", "am53c974", "ibmvscsi"];

    private static readonly string[] PciModels =
    [
        "pcie-root-port", "pcie-root-port", "pcie-root-port", "pci-bridge", "pci-bridge", "pcie-to-pci-bridge", "dmi-to-pci-bridge",
        "pcie-switch-upstream-port", "pcie-switch-downstream-port", "pcie-expander-bus", "pci-expander-bus",
    ];

    private static readonly string[] OddPciModels = ["pci-root", "pcie-root", "pci-frobnicator"];

    private static readonly Gen<int?> SmallIndex = Gen.Frequency((4, Gen.Const((int?)null)), (6, Gen.Int[0, 3].Select(i => (int?)i)), (1, Gen.Int[4, 12].Select(i => (int?)i)));

    /// <summary>Controllers as a user writes them: a model, maybe an index; no options.</summary>
    private static readonly Gen<Device> CleanController = Gen.Frequency(
        (4, Gen.Select(Gen.OneOf("qemu-xhci", "nec-xhci", "piix3-uhci", "ehci", "pci-ohci", "ich9-ehci1"), Gen.OneOf<int?>(null, 0, 1),
            (m, i) => new Device { Id = "", Kind = "controller", Type = "usb", Model = m, Index = i })),
        (3, Gen.Select(Gen.OneOf<string?>([.. ScsiModels, null]), Gen.OneOf<int?>(null, 0, 1), (m, i) => new Device { Id = "", Kind = "controller", Type = "scsi", Model = m, Index = i })),
        (1, Gen.Const(new Device { Id = "", Kind = "controller", Type = "virtio-serial" })),
        (1, Gen.Const(new Device { Id = "", Kind = "controller", Type = "ccid" })),
        (6, Gen.Select(Gen.OneOf(PciModels), Gen.Int[1, 12],
            (m, i) => new Device { Id = "", Kind = "controller", Type = "pci", Model = m, Index = i })));

    /// <summary>Controllers with every option, in and out of range.</summary>
    private static readonly Gen<Device> Controller = Gen.Frequency(
        (4, Gen.Select(Gen.OneOf(UsbModels), SmallIndex, Gen.Frequency((6, Gen.Const((int?)null)), (1, Gen.Int[-1, 20].Select(i => (int?)i))),
            (m, i, ports) => new Device
            {
                Id = "", Kind = "controller", Type = "usb", Model = m, Index = i,
                Controller = ports is null ? null : new ControllerOptions { Ports = ports },
            })),
        (3, Gen.Select(Gen.OneOf<string?>([.. ScsiModels, null]), SmallIndex, (m, i) => new Device { Id = "", Kind = "controller", Type = "scsi", Model = m, Index = i })),
        (1, SmallIndex.Select(i => new Device { Id = "", Kind = "controller", Type = "sata", Index = i })),
        (1, SmallIndex.Select(i => new Device { Id = "", Kind = "controller", Type = "ide", Index = i })),
        (1, SmallIndex.Select(i => new Device { Id = "", Kind = "controller", Type = "fdc", Index = i })),
        (1, SmallIndex.Select(i => new Device { Id = "", Kind = "controller", Type = "ccid", Index = i })),
        (2, Gen.Select(SmallIndex, Gen.Frequency((5, Gen.Const((int?)null)), (1, Gen.Int[0, 40].Select(i => (int?)i))),
            (i, ports) => new Device
            {
                Id = "", Kind = "controller", Type = "virtio-serial", Index = i,
                Controller = ports is null ? null : new ControllerOptions { Ports = ports },
            })),
        (6, Gen.Select(Gen.Frequency((12, Gen.OneOf(PciModels)), (1, Gen.OneOf(OddPciModels))), Gen.Frequency((3, Gen.Const((int?)null)), (6, Gen.Int[1, 12].Select(i => (int?)i)), (1, Gen.Int[0, 300].Select(i => (int?)i))),
            Gen.Frequency((4, Gen.Const((int?)null)), (1, Gen.Int[0, 300].Select(i => (int?)i))),
            Gen.Frequency((4, Gen.Const((int?)null)), (1, Gen.Int[-1, 3].Select(i => (int?)i))),
            Gen.OneOf<bool?>(null, null, null, true, false),
            (m, i, busNr, node, hotplug) => new Device
            {
                Id = "", Kind = "controller", Type = "pci", Model = m, Index = i,
                Controller = busNr is null && node is null && hotplug is null ? null
                    : new ControllerOptions { BusNr = busNr, NumaNode = node, Hotplug = hotplug },
            })));

    private static Gen<Device> FromTemplate(Template t) =>
        Gen.Select(t.Target ?? Gen.Const((string?)null), Gen.Bool, (target, primary) => new Device
        {
            Id = "",
            Kind = t.Kind,
            Type = t.Type,
            Model = t.Model,
            Bus = t.Bus,
            Target = target,
            Primary = t.Kind == "video" && primary ? true : null,
            Host = t.Kind == "hostdev" && t.Type == "pci" ? new HostDevice { PciExpress = primary ? null : false } : null,
        });

    private static readonly Gen<Device> TemplateDevice =
        Gen.Frequency(Templates.Select(t => (t.Weight, (IGen<Device>)FromTemplate(t.Template))).ToArray());

    /// <summary>A device as a user plausibly writes it: a template or a controller, no address.</summary>
    public static readonly Gen<Device> CleanDevice = Gen.Frequency<Device>((12, TemplateDevice), (2, CleanController));

    /// <summary>A device without id: a template or a controller with any options, maybe with a user address.</summary>
    public static readonly Gen<Device> Device =
        Gen.Select(
            Gen.Frequency<Device>((12, TemplateDevice), (3, Controller)),
            Gen.Frequency((6, Gen.Const(false)), (1, Gen.Const(true))),
            (d, addressed) => (d, addressed))
        .SelectMany(x => !x.addressed
            ? Gen.Const(x.d)
            : AddressFor(AddressKindOf(x.d)).Select(a => x.d with { Address = a }));

    private static string AddressKindOf(Device d) =>
        Templates.FirstOrDefault(t => t.Template.Kind == d.Kind && t.Template.Type == d.Type && t.Template.Model == d.Model && t.Template.Bus == d.Bus)
            .Template?.AddressKind ?? (d.Kind == "controller" && d.Type == "ccid" ? "usb" : "pci");

    /// <summary>A request: a machine, 0 to <paramref name="maxDevices"/> devices (<paramref name="cleanPercent"/> % of requests only plausible ones) with unique ids (now and then a duplicate), NUMA nodes and memory slots.</summary>
    public static Gen<PlanRequest> Request(int maxDevices, int cleanPercent = 60) =>
        Machine.SelectMany(m => Gen.Select(Gen.Const(m),
                Gen.Frequency((cleanPercent, CleanDevice.Where(d => Fits(d, m)).Array[0, maxDevices]), (100 - cleanPercent, Device.Array[0, maxDevices])), Gen.Int[0, 3], Gen.Frequency((3, Gen.Const((int?)null)), (2, Gen.Int[0, 4].Select(i => (int?)i))),
                Gen.Frequency((40, Gen.Const(-1)), (1, Gen.Int[0, 1000])),
                (machine, devices, numa, slots, duplicate) => new PlanRequest
                {
                    Machine = machine,
                    NumaNodes = numa,
                    MemorySlots = slots,
                    Devices = devices.Select((d, i) => d with
                    {
                        Id = duplicate >= 0 && devices.Length > 1 && i == devices.Length - 1 ? $"{devices[duplicate % (devices.Length - 1)].Kind}{duplicate % (devices.Length - 1)}" : $"{d.Kind}{i}",
                    }).ToList(),
                }));

    /// <summary>Whether a plausible device suits the machine (IDE and floppy only on pc; conventional-PCI-only bridges not on virt).</summary>
    private static bool Fits(Device d, MachineSpec m)
    {
        bool pc = m.Type.StartsWith("pc", StringComparison.Ordinal) && !m.Type.Contains("q35", StringComparison.Ordinal);
        if (d.Bus is "ide" or "fdc") return pc;
        if (d.Kind == "controller" && d.Type == "pci")
            return pc ? d.Model is "pci-bridge" or "pci-expander-bus" : d.Model is not ("pci-bridge" or "pci-expander-bus");
        return true;
    }

    /// <summary>One device to add to an existing layout (never with an address, ids that cannot clash).</summary>
    public static readonly Gen<Device> NewDevice =
        Gen.Frequency<Device>((12, TemplateDevice), (2, Controller))
            .Select(d => d with { Id = "added-" + d.Kind, Index = d.Kind == "controller" ? null : d.Index });
}
