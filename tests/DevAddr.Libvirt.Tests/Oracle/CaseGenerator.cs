using System.Text;
using static System.FormattableString;

namespace DevAddr.Libvirt.Tests.Oracle;

/// <summary>Which mix of guests <see cref="CaseGenerator"/> draws.</summary>
public enum CaseProfile
{
    /// <summary>Everyday guests: a few disks, NICs, USB and virtio-serial devices; some NUMA, big and invalid ones.</summary>
    Dev,

    /// <summary>Like <see cref="Dev"/> with more big guests (up to ~150 devices), NUMA and user-given addresses.</summary>
    Wide,

    /// <summary>A <see cref="Dev"/> guest plus 2–6 of the device kinds real guests carry (host devices, TPM, DIMMs…).</summary>
    Breadth,

    /// <summary>
    /// Guests of the other architectures libvirt addresses: ppc64/ppc64le pseries, s390x s390-ccw-virtio, riscv64
    /// virt, armv7l virt, and aarch64 virt with virtio-mmio devices (see CaseGenerator.Arches.cs).
    /// </summary>
    Arches,
}

/// <summary>The machine types the generator draws from.</summary>
internal enum MachineKind
{
    /// <summary>x86_64 q35.</summary>
    Q35,

    /// <summary>x86_64 pc (i440fx).</summary>
    Pc,

    /// <summary>aarch64 virt with PCI devices.</summary>
    Virt,

    /// <summary>ppc64 (sometimes ppc64le) pseries.</summary>
    Pseries,

    /// <summary>s390x s390-ccw-virtio.</summary>
    Ccw,

    /// <summary>riscv64 virt.</summary>
    Riscv,

    /// <summary>armv7l virt.</summary>
    Armv7,

    /// <summary>aarch64 virt whose virtio devices ask for virtio-mmio addresses.</summary>
    Mmio,
}

/// <summary>One generated guest definition.</summary>
/// <param name="Name">File name without extension, also the domain's <c>&lt;name&gt;</c>.</param>
/// <param name="Machine">Its machine type.</param>
/// <param name="Xml">The domain XML, <c>\n</c> line ends, ASCII only.</param>
/// <param name="DeliberatelyInvalid">True when a device was added to make libvirt reject the definition.</param>
internal sealed record GeneratedCase(string Name, MachineKind Machine, string Xml, bool DeliberatelyInvalid);

/// <summary>
/// Random but fully deterministic libvirt domain definitions for differential testing against the live oracle:
/// minimal guests for x86_64 q35, x86_64 pc (i440fx) and aarch64 virt (and, in <see cref="CaseProfile.Arches"/>,
/// of the other architectures libvirt addresses) whose devices mostly lack addresses, so
/// that the addresses, implicit controllers and bus topology are libvirt's to assign. Covers virtio/SATA/IDE/SCSI/
/// USB disks and cdroms, virtio/e1000/e1000e/rtl8139 NICs, USB controllers and devices, virtio-serial channels and
/// consoles, rng, watchdog, sound, video, balloon, explicit root ports and bridges, NUMA cells with expander buses,
/// user-given addresses, big guests and deliberately invalid ones; <see cref="CaseProfile.Breadth"/> adds host
/// devices (PCI/USB/SCSI, vhost-scsi), ivshmem, vsock, IOMMUs, 9p shares, virtio input, smartcards, USB hubs and
/// sound, SPICE redirection, crypto, PCI serial, TPM, DIMMs and virtio-mem, panic, parallel ports, vhost-user and
/// bridged NICs.
/// <para>
/// Same seed, count and profile → the same bytes on every machine: the only source of randomness is
/// <see cref="SplitMix64"/>, each case draws from its own sub-stream, and all text is culture-invariant ASCII.
/// </para>
/// </summary>
internal static partial class CaseGenerator
{
    /// <summary>Generates <paramref name="count"/> cases named <c>PROFILE SEED-NNNN-MACHINE</c> (e.g. <c>dev7-0003-q35</c>).</summary>
    public static IEnumerable<GeneratedCase> Generate(ulong seed, int count, CaseProfile profile)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var master = new SplitMix64(seed);
        for (int i = 0; i < count; i++)
        {
            var machine = profile == CaseProfile.Arches ? PickArchesMachine(master) : PickMachine(master);
            var guest = new Guest(new SplitMix64(master.NextUInt64()), machine, profile);
            guest.Build();
            string name = Invariant($"{profile.ToString().ToLowerInvariant()}{seed}-{i:D4}-{MachineName(machine)}");
            yield return new GeneratedCase(name, machine, guest.Render(name), guest.DeliberatelyInvalid);
        }
    }

    /// <summary>Writes the cases to <c>outDir/NAME.xml</c> (UTF-8, no BOM); returns how many were written.</summary>
    public static int WriteDirectory(string outDir, ulong seed, int count, CaseProfile profile)
    {
        Directory.CreateDirectory(outDir);
        int written = 0;
        foreach (var c in Generate(seed, count, profile))
        {
            File.WriteAllBytes(Path.Combine(outDir, c.Name + ".xml"), Encoding.UTF8.GetBytes(c.Xml));
            written++;
        }

        return written;
    }

    /// <summary>The machine kind's name in case names: distinct per kind (<c>q35</c>, <c>pc</c>, <c>virt</c>, <c>pseries</c>, <c>ccw</c>, <c>riscv</c>, <c>armv7</c>, <c>mmio</c>).</summary>
    public static string MachineName(MachineKind machine) => machine switch
    {
        MachineKind.Q35 => "q35",
        MachineKind.Pc => "pc",
        MachineKind.Virt => "virt",
        MachineKind.Pseries => "pseries",
        MachineKind.Ccw => "ccw",
        MachineKind.Riscv => "riscv",
        MachineKind.Armv7 => "armv7",
        MachineKind.Mmio => "mmio",
        _ => throw new ArgumentOutOfRangeException(nameof(machine), machine, "unknown machine kind"),
    };

    /// <summary>The machine type the domain asks for (<c>&lt;os&gt;&lt;type machine&gt;</c>).</summary>
    public static string MachineType(MachineKind machine) => Platform(machine, littleEndian: false).MachineType;

    /// <summary>Architecture, machine type and emulator of a machine kind (ppc64le where asked on pseries).</summary>
    private static (string Arch, string MachineType, string Emulator) Platform(MachineKind machine, bool littleEndian) => machine switch
    {
        MachineKind.Q35 => ("x86_64", "q35", "/usr/bin/qemu-system-x86_64"),
        MachineKind.Pc => ("x86_64", "pc", "/usr/bin/qemu-system-x86_64"),
        MachineKind.Virt or MachineKind.Mmio => ("aarch64", "virt", "/usr/bin/qemu-system-aarch64"),
        MachineKind.Pseries => (littleEndian ? "ppc64le" : "ppc64", "pseries", "/usr/bin/qemu-system-ppc64"),
        MachineKind.Ccw => ("s390x", "s390-ccw-virtio", "/usr/bin/qemu-system-s390x"),
        MachineKind.Riscv => ("riscv64", "virt", "/usr/bin/qemu-system-riscv64"),
        MachineKind.Armv7 => ("armv7l", "virt", "/usr/bin/qemu-system-arm"),
        _ => throw new ArgumentOutOfRangeException(nameof(machine), machine, "unknown machine kind"),
    };

    /// <summary>q35 45 %, pc 35 %, aarch64 virt 20 %.</summary>
    private static MachineKind PickMachine(SplitMix64 rng) => rng.Below(100) switch
    {
        < 45 => MachineKind.Q35,
        < 80 => MachineKind.Pc,
        _ => MachineKind.Virt,
    };

    /// <summary>The knobs that tell the profiles apart.</summary>
    private sealed record Knobs(
        double BigChance, int BigMaxExtra, double NumaChance, double UserAddressChance, double InvalidChance, bool Breadth);

    private static Knobs KnobsFor(CaseProfile profile) => profile switch
    {
        CaseProfile.Wide => new(BigChance: 0.15, BigMaxExtra: 140, NumaChance: 0.25, UserAddressChance: 0.25, InvalidChance: 0.06, Breadth: false),
        CaseProfile.Breadth => new(BigChance: 0.08, BigMaxExtra: 90, NumaChance: 0.12, UserAddressChance: 0.15, InvalidChance: 0.04, Breadth: true),
        _ => new(BigChance: 0.08, BigMaxExtra: 90, NumaChance: 0.12, UserAddressChance: 0.15, InvalidChance: 0.04, Breadth: false),
    };

    private static string PciAddress(int bus, int slot, int function = 0, bool multifunction = false) =>
        Invariant($"<address type='pci' domain='0x0000' bus='0x{bus:x2}' slot='0x{slot:x2}' function='0x{function:x}'")
        + (multifunction ? " multifunction='on'/>" : "/>");

    /// <summary>One guest under construction.</summary>
    private sealed partial class Guest(SplitMix64 rng, MachineKind machine, CaseProfile profile)
    {
        private static readonly string[] BreadthKinds =
        [
            "hostdev-pci", "hostdev-scsi", "vhost-scsi", "shmem", "vsock", "fs9p", "input-virtio", "crypto",
            "serial-pci", "scsi-explicit", "vhostuser", "bridge-net", "rng-egd",
        ];

        private static readonly string[] UsbKinds = ["hostdev-usb", "smartcard", "hub", "sound-usb"];

        private static readonly string[] X86Kinds =
            ["tpm", "dimm", "virtio-mem", "panic", "parallel", "sound-codec", "watchdog-ib700"];

        private static readonly HashSet<string> AtMostOnce = ["vsock", "iommu", "tpm", "redir", "panic", "smartcard", "hub"];

        private readonly Knobs knobs = KnobsFor(profile);
        private readonly List<string> controllers = [];
        private readonly List<string> devices = [];
        private readonly List<string> graphics = [];
        private readonly Dictionary<string, int> diskLetters = new(StringComparer.Ordinal);
        private readonly List<string> diskBuses = [];
        private readonly List<string> nicModels = [];
        private int numaCells;
        private int macs;
        private bool acpi;
        private bool hotplugMemory;

        public bool DeliberatelyInvalid { get; private set; }

        private bool X86 => machine is MachineKind.Q35 or MachineKind.Pc;

        public void Build()
        {
            if (profile == CaseProfile.Arches)
            {
                BuildArches();
                return;
            }

            diskBuses.AddRange(["virtio", "virtio", "virtio", "virtio", "scsi", "scsi"]);
            diskBuses.AddRange(machine switch
            {
                MachineKind.Q35 => ["sata", "sata"],
                MachineKind.Pc => ["ide", "ide"],
                _ => [],
            });
            nicModels.AddRange(["virtio", "virtio", "virtio", "virtio"]);
            nicModels.AddRange(X86 ? ["e1000", "e1000e", "rtl8139"] : ["e1000e"]);

            bool big = rng.Chance(knobs.BigChance);
            int extra = big ? rng.Between(20, knobs.BigMaxExtra) : 0;
            AddNumaAndExpanderBuses();
            AddExplicitBuses();
            AddDisks(big && rng.Chance(0.5) ? extra : 0);
            AddNics(big && devices.Count <= 20 ? extra : 0);
            AddUsb();
            AddVirtioSerial();
            AddMiscDevices();
            AddUserAddressedDevices();
            AddInvalidDevices();
            if (knobs.Breadth)
            {
                AddBreadthDevices();
            }
        }

        public string Render(string name)
        {
            var (arch, machineType, emulator) = Platform(machine, littleEndian);
            var xml = new StringBuilder();
            void Line(string text) => xml.Append(text).Append('\n');

            Line("<domain type='qemu'>");
            Line($"  <name>{name}</name>");
            if (hotplugMemory)
            {
                Line("  <maxMemory slots='16' unit='MiB'>16384</maxMemory>");
            }

            Line(Invariant($"  <memory unit='MiB'>{256 * Math.Max(numaCells, 2)}</memory>"));
            Line(Invariant($"  <vcpu>{Math.Max(numaCells, 1)}</vcpu>"));
            Line($"  <os><type arch='{arch}' machine='{machineType}'>hvm</type></os>");
            if (acpi)
            {
                Line("  <features><acpi/></features>");
            }

            if (numaCells > 0)
            {
                var cells = Enumerable.Range(0, numaCells)
                    .Select(i => Invariant($"<cell id='{i}' cpus='{i}' memory='256' unit='MiB'/>"));
                Line($"  <cpu><numa>{string.Concat(cells)}</numa></cpu>");
            }

            Line("  <devices>");
            Line($"    <emulator>{emulator}</emulator>");
            foreach (var d in controllers.Concat(devices).Concat(graphics.Select(g => $"<graphics type='{g}' autoport='yes'/>")))
            {
                Line("    " + d);
            }

            Line("  </devices>");
            Line("</domain>");
            return xml.ToString();
        }

        private void AddNumaAndExpanderBuses()
        {
            if (!rng.Chance(knobs.NumaChance))
            {
                return;
            }

            numaCells = rng.Pick(2, 2, 3, 4);
            int expanders = rng.Between(1, numaCells);
            string model = machine == MachineKind.Pc ? "pci-expander-bus" : "pcie-expander-bus";
            for (int i = 1; i <= expanders; i++)
            {
                controllers.Add(Invariant(
                    $"<controller type='pci' index='{i}' model='{model}'><target><node>{rng.Below(numaCells)}</node></target></controller>"));
            }

            if (machine != MachineKind.Pc && rng.Chance(0.5))
            {
                // a root port on the first expander bus, and a NIC behind it
                int port = expanders + 1;
                controllers.Add(Invariant($"<controller type='pci' index='{port}' model='pcie-root-port'>{PciAddress(1, 0)}</controller>"));
                devices.Add(Nic("virtio", PciAddress(port, 0)));
            }
            else if (machine == MachineKind.Pc && rng.Chance(0.5))
            {
                devices.Add(Nic("e1000", PciAddress(1, rng.Between(0, 3))));
            }
        }

        private void AddExplicitBuses()
        {
            if (numaCells > 0)
            {
                return;
            }

            if (machine != MachineKind.Pc && rng.Chance(0.25))
            {
                int ports = rng.Between(1, 12);
                for (int i = 1; i <= ports; i++)
                {
                    controllers.Add(Invariant($"<controller type='pci' index='{i}' model='pcie-root-port'/>"));
                }
            }
            else if (machine == MachineKind.Pc && rng.Chance(0.15))
            {
                controllers.Add("<controller type='pci' index='1' model='pci-bridge'/>");
            }
        }

        private void AddDisks(int extra)
        {
            if (rng.Chance(0.5))
            {
                controllers.Add($"<controller type='scsi' index='0' model='{rng.Pick("virtio-scsi", "lsilogic", "virtio-scsi")}'/>");
            }

            int disks = rng.Between(0, 4) + extra;
            for (int i = 0; i < disks; i++)
            {
                devices.Add(Disk(rng.PickFrom(diskBuses)));
            }

            if (rng.Chance(0.4))
            {
                string bus = machine switch { MachineKind.Q35 => "sata", MachineKind.Pc => "ide", _ => "scsi" };
                devices.Add(Disk(bus, cdrom: true));
            }
        }

        private void AddNics(int extra)
        {
            int nics = rng.Between(0, 3) + extra;
            for (int i = 0; i < nics; i++)
            {
                devices.Add(Nic(rng.PickFrom(nicModels)));
            }
        }

        private void AddUsb()
        {
            double u = rng.NextDouble();
            if (u < 0.15)
            {
                controllers.Add("<controller type='usb' index='0' model='none'/>");
                return;
            }

            if (u < 0.45 || machine == MachineKind.Virt)
            {
                string model = X86
                    ? rng.Pick("qemu-xhci", "nec-xhci", "piix3-uhci", "ich9-ehci1")
                    : rng.Pick("qemu-xhci", "nec-xhci");
                controllers.Add($"<controller type='usb' index='0' model='{model}'/>");
            }

            int usbDevices = rng.Pick(0, 0, 1, 2, 3, 5);
            for (int i = 0; i < usbDevices; i++)
            {
                double kind = rng.NextDouble();
                devices.Add(kind switch
                {
                    < 0.4 => "<input type='tablet' bus='usb'/>",
                    < 0.7 => "<input type='keyboard' bus='usb'/>",
                    _ => Disk("usb"),
                });
            }
        }

        private void AddVirtioSerial()
        {
            int channels = rng.Pick(0, 0, 1, 2, 4);
            for (int i = 0; i < channels; i++)
            {
                devices.Add(Invariant($"<channel type='unix'><target type='virtio' name='org.example.ch{i}'/></channel>"));
            }

            if (rng.Chance(0.2))
            {
                devices.Add("<console type='pty'><target type='virtio'/></console>");
            }
        }

        private void AddMiscDevices()
        {
            if (rng.Chance(0.3))
            {
                devices.Add("<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>");
            }

            if (X86 && rng.Chance(0.2))
            {
                devices.Add("<watchdog model='i6300esb' action='reset'/>");
            }

            if (X86 && rng.Chance(0.25))
            {
                devices.Add($"<sound model='{rng.Pick("ich6", "ich9", "ac97")}'/>");
            }

            if (X86 && rng.Chance(0.5))
            {
                devices.Add($"<video><model type='{rng.Pick("vga", "qxl", "virtio", "cirrus", "none")}'/></video>");
            }
            else if (!X86 && rng.Chance(0.3))
            {
                devices.Add("<video><model type='virtio'/></video>");
            }

            if (rng.Chance(0.15))
            {
                devices.Add("<memballoon model='none'/>");
            }
        }

        private void AddUserAddressedDevices()
        {
            if (!rng.Chance(knobs.UserAddressChance))
            {
                return;
            }

            if (machine != MachineKind.Pc)
            {
                devices.Add(Nic("virtio", PciAddress(0, rng.Between(2, 30))));
                return;
            }

            int slot = rng.Between(3, 31);
            string model = rng.PickFrom(nicModels);
            if (rng.Chance(0.3))
            {
                // a NIC and a disk sharing one slot as two functions
                devices.Add(Nic(model, PciAddress(0, slot, 0, multifunction: true)));
                devices.Add(Disk("virtio", address: PciAddress(0, slot, 1)));
            }
            else
            {
                devices.Add(Nic(model, PciAddress(0, slot)));
            }
        }

        private void AddInvalidDevices()
        {
            if (!rng.Chance(knobs.InvalidChance))
            {
                return;
            }

            DeliberatelyInvalid = true;
            switch (rng.Below(3))
            {
                case 0: // two devices on one PCI address
                    devices.Add(Nic("virtio", PciAddress(0, 5)));
                    devices.Add(Nic("virtio", PciAddress(0, 5)));
                    break;
                case 1: // a bus the guest does not have
                    devices.Add(Disk("virtio", address: PciAddress(0x30, 1)));
                    break;
                default: // a reserved slot: the host bridge, or q35's last function of slot 0x1f
                    devices.Add(Nic("virtio", machine == MachineKind.Q35 ? PciAddress(0, 0x1f, 7) : PciAddress(0, 0)));
                    break;
            }
        }

        private void AddBreadthDevices()
        {
            bool hasUsb = !controllers.Contains("<controller type='usb' index='0' model='none'/>");
            var kinds = new List<string>(BreadthKinds);
            if (hasUsb)
            {
                kinds.AddRange(UsbKinds);
                if (X86)
                {
                    kinds.Add("redir");
                }
            }

            if (X86)
            {
                kinds.AddRange(X86Kinds);
            }

            if (machine == MachineKind.Q35)
            {
                kinds.Add("iommu");
            }

            var chosen = new List<string>();
            int draws = rng.Between(2, 6);
            for (int i = 0; i < draws; i++)
            {
                string kind = rng.PickFrom(kinds);
                if (!(AtMostOnce.Contains(kind) && chosen.Contains(kind)))
                {
                    chosen.Add(kind);
                }
            }

            foreach (var kind in chosen)
            {
                AddBreadthDevice(kind, devices.Count);
            }

            if (rng.Chance(0.04))
            {
                // the same host device twice: libvirt must reject it
                string hostdev = "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
                                 + "<address domain='0x0000' bus='0x05' slot='0x00' function='0x0'/></source></hostdev>";
                devices.Add(hostdev);
                devices.Add(hostdev);
                DeliberatelyInvalid = true;
            }
        }

        /// <param name="kind">One of the breadth kinds.</param>
        /// <param name="n">A number unique within the guest, for names, paths and ports.</param>
        private void AddBreadthDevice(string kind, int n)
        {
            switch (kind)
            {
                case "hostdev-pci":
                    devices.Add(Invariant(
                        $"<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x{rng.Between(1, 0xfe):x2}' slot='0x{rng.Between(0, 31):x2}' function='0x{rng.Between(0, 7):x}'/></source></hostdev>"));
                    break;
                case "hostdev-usb":
                    RequireUsbController();
                    devices.Add(Invariant(
                        $"<hostdev mode='subsystem' type='usb' managed='yes'><source><vendor id='0x{rng.Between(1, 0xffff):x4}'/><product id='0x{rng.Between(1, 0xffff):x4}'/></source></hostdev>"));
                    break;
                case "hostdev-scsi":
                    devices.Add(Invariant(
                        $"<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host{rng.Between(0, 9)}'/><address bus='0' target='{n}' unit='{rng.Between(0, 7)}'/></source></hostdev>"));
                    break;
                case "vhost-scsi":
                    devices.Add(Invariant(
                        $"<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='naa.50014{rng.Bits(44):x11}'/></hostdev>"));
                    break;
                case "shmem":
                    devices.Add(Invariant(
                        $"<shmem name='shm{n}'><model type='ivshmem-plain'/><size unit='M'>{rng.Pick(1, 4, 64)}</size></shmem>"));
                    break;
                case "vsock":
                    devices.Add("<vsock model='virtio'><cid auto='yes'/></vsock>");
                    break;
                case "iommu":
                    if (rng.Chance(0.5))
                    {
                        acpi = true;
                        devices.Add("<iommu model='virtio'/>");
                    }
                    else
                    {
                        devices.Add("<iommu model='intel'/>");
                    }

                    break;
                case "fs9p":
                    devices.Add(Invariant(
                        $"<filesystem type='mount' accessmode='mapped'><source dir='/srv/share{n}'/><target dir='share{n}'/></filesystem>"));
                    break;
                case "input-virtio":
                    devices.Add($"<input type='{rng.Pick("tablet", "keyboard", "mouse")}' bus='virtio'/>");
                    break;
                case "crypto":
                    devices.Add("<crypto model='virtio' type='qemu'><backend model='builtin' queues='1'/></crypto>");
                    break;
                case "serial-pci":
                    devices.Add("<serial type='pty'><target type='pci-serial'/></serial>");
                    break;
                case "scsi-explicit":
                    AddScsiControllerWithPinnedDisk();
                    break;
                case "vhostuser":
                    devices.Add(Invariant(
                        $"<interface type='vhostuser'><mac address='{NextMac()}'/><source type='unix' path='/run/vhost{n}.sock' mode='server'/><model type='virtio'/></interface>"));
                    break;
                case "bridge-net":
                    string bridgedModel = X86 ? rng.Pick("virtio", "e1000e") : "virtio";
                    devices.Add(Invariant(
                        $"<interface type='bridge'><mac address='{NextMac()}'/><source bridge='br{n}'/><model type='{bridgedModel}'/></interface>"));
                    break;
                case "rng-egd":
                    devices.Add(Invariant(
                        $"<rng model='virtio'><backend model='egd' type='tcp'><source mode='connect' host='192.0.2.1' service='{1000 + n}'/></backend></rng>"));
                    break;
                case "smartcard":
                    RequireUsbController();
                    devices.Add("<smartcard mode='host'/>");
                    break;
                case "hub":
                    RequireUsbController();
                    devices.Add("<hub type='usb'/>");
                    int tablets = rng.Between(1, 6);
                    for (int i = 0; i < tablets; i++)
                    {
                        devices.Add("<input type='tablet' bus='usb'/>");
                    }

                    break;
                case "sound-usb":
                    RequireUsbController();
                    devices.Add("<sound model='usb'/>");
                    break;
                case "redir":
                    if (!graphics.Contains("spice"))
                    {
                        graphics.Add("spice");
                    }

                    int redirs = rng.Between(1, 3);
                    for (int i = 0; i < redirs; i++)
                    {
                        devices.Add("<redirdev bus='usb' type='spicevmc'/>");
                    }

                    devices.Add("<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>");
                    break;
                case "tpm":
                    devices.Add(
                        $"<tpm model='{rng.Pick("tpm-crb", "tpm-tis")}'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>");
                    break;
                case "dimm":
                    RequireHotplugMemory();
                    devices.Add(Invariant(
                        $"<memory model='dimm'><target><size unit='MiB'>128</size><node>{rng.Below(2)}</node></target></memory>"));
                    break;
                case "virtio-mem":
                    RequireHotplugMemory();
                    devices.Add(Invariant(
                        $"<memory model='virtio-mem'><target><size unit='MiB'>256</size><node>{rng.Below(2)}</node><block unit='MiB'>2</block><requested unit='MiB'>128</requested></target></memory>"));
                    break;
                case "panic":
                    devices.Add("<panic model='isa'/>");
                    break;
                case "parallel":
                    devices.Add("<parallel type='pty'/>");
                    break;
                case "sound-codec":
                    devices.Add($"<sound model='{rng.Pick("ich6", "ich9")}'><codec type='{rng.Pick("duplex", "micro", "output")}'/></sound>");
                    break;
                case "watchdog-ib700":
                    if (!devices.Exists(d => d.StartsWith("<watchdog", StringComparison.Ordinal)))
                    {
                        devices.Add("<watchdog model='ib700' action='poweroff'/>");
                    }

                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown device kind");
            }
        }

        /// <summary>A virtio-scsi controller at a free index 1–3 and a disk pinned to one of its units.</summary>
        private void AddScsiControllerWithPinnedDisk()
        {
            var free = Enumerable.Range(1, 3)
                .Where(i => !controllers.Exists(c => c.Contains(Invariant($"type='scsi' index='{i}'"), StringComparison.Ordinal)))
                .ToList();
            if (free.Count == 0)
            {
                return;
            }

            int index = rng.PickFrom(free);
            controllers.Add(Invariant($"<controller type='scsi' index='{index}' model='virtio-scsi'/>"));
            devices.Add(Disk("scsi", address: Invariant($"<address type='drive' controller='{index}' bus='0' target='0' unit='{rng.Between(0, 6)}'/>")));
        }

        /// <summary>USB devices need a controller, and aarch64 virt gets none by default.</summary>
        private void RequireUsbController()
        {
            if (machine == MachineKind.Virt && !controllers.Exists(c => c.Contains("type='usb'", StringComparison.Ordinal)))
            {
                controllers.Add("<controller type='usb' index='0' model='qemu-xhci'/>");
            }
        }

        /// <summary>Memory devices need <c>maxMemory</c> and NUMA cells.</summary>
        private void RequireHotplugMemory()
        {
            hotplugMemory = true;
            numaCells = Math.Max(numaCells, 2);
        }

        private string Disk(string bus, bool cdrom = false, string address = "")
        {
            string prefix = bus switch { "virtio" => "vd", "ide" => "hd", _ => "sd" };
            string dev = prefix + DiskLetters(diskLetters[prefix] = diskLetters.GetValueOrDefault(prefix) + 1);
            return cdrom
                ? $"<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='{dev}' bus='{bus}'/><readonly/>{address}</disk>"
                : $"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/images/{dev}.img'/><target dev='{dev}' bus='{bus}'/>{address}</disk>";
        }

        /// <summary>1 → a, 26 → z, 27 → aa (bijective base 26, as libvirt names disks).</summary>
        private static string DiskLetters(int n)
        {
            var letters = new StringBuilder();
            for (; n > 0; n = (n - 1) / 26)
            {
                letters.Insert(0, (char)('a' + ((n - 1) % 26)));
            }

            return letters.ToString();
        }

        private string Nic(string model, string address = "") =>
            $"<interface type='user'><mac address='{NextMac()}'/><model type='{model}'/>{address}</interface>";

        private string NextMac()
        {
            int m = ++macs;
            return Invariant($"52:54:00:{(m >> 16) & 0xff:x2}:{(m >> 8) & 0xff:x2}:{m & 0xff:x2}");
        }
    }
}
