using static System.FormattableString;

namespace DevAddr.Libvirt.Tests.Oracle;

/// <summary>
/// The <see cref="CaseProfile.Arches"/> profile: guests of the architectures other than x86_64 and PCI-only aarch64.
/// <list type="bullet">
/// <item>ppc64 pseries (one in five ppc64le): virtio, SCSI (ibmvscsi or virtio-scsi) and USB disks; virtio,
/// spapr-vlan, e1000 and rtl8139 NICs; spapr-vio serials and consoles, NVRAM; explicit spapr-vio <c>reg</c>s
/// (some on the defaults other devices would take, a few clashing); extra PCI host bridges (<c>pci-root</c> with
/// <c>&lt;model name='spapr-pci-host-bridge'/&gt;</c>, a <c>&lt;target index&gt;</c> and a NUMA
/// <c>&lt;node&gt;</c>) with devices placed on them; USB, video, panic.</item>
/// <item>s390x s390-ccw-virtio: CCW disks, NICs, virtio-serial channels, inputs, rng, balloon, diag288 watchdog,
/// vsock, video; explicit <c>devno</c>s (some in other subchannel sets, a few clashing); SCLP consoles
/// (<c>sclp</c>, <c>sclplm</c>); vfio PCI host devices with full, partial or no zPCI <c>uid</c>/<c>fid</c> (a few
/// clashing); vfio-ccw and vfio-ap mediated devices.</item>
/// <item>riscv64 virt and armv7l virt with PCI Express devices, explicit root ports and PCI addresses.</item>
/// <item>aarch64 virt whose virtio devices mostly ask for <c>&lt;address type='virtio-mmio'/&gt;</c>.</item>
/// </list>
/// About one guest in twenty-five is deliberately invalid (libvirt must reject it).
/// </summary>
internal static partial class CaseGenerator
{
    /// <summary>pseries 30 %, s390-ccw-virtio 35 %, riscv64 virt 12 %, armv7l virt 8 %, aarch64 virt with virtio-mmio 15 %.</summary>
    private static MachineKind PickArchesMachine(SplitMix64 rng) => rng.Below(100) switch
    {
        < 30 => MachineKind.Pseries,
        < 65 => MachineKind.Ccw,
        < 77 => MachineKind.Riscv,
        < 85 => MachineKind.Armv7,
        _ => MachineKind.Mmio,
    };

    private static string SpaprAddress(int reg) => Invariant($"<address type='spapr-vio' reg='0x{reg:x}'/>");

    private static string CcwAddress(int ssid, int devno) =>
        Invariant($"<address type='ccw' cssid='0xfe' ssid='0x{ssid:x}' devno='0x{devno:x4}'/>");

    private const string VirtioMmioAddress = "<address type='virtio-mmio'/>";

    /// <summary>An element from its start tag up to the closing <c>&gt;</c>, holding <paramref name="content"/> or empty.</summary>
    private static string Element(string openTag, string content, string name) =>
        content.Length == 0 ? openTag + "/>" : $"{openTag}>{content}</{name}>";

    /// <summary>The arches part of a guest under construction.</summary>
    private sealed partial class Guest
    {
        /// <summary>The spapr-vio regs libvirt gives by default (VLAN, VSCSI, NVRAM, VTY), and some beside them.</summary>
        private static readonly int[] SpaprRegs = [0x1000, 0x2000, 0x3000, 0x4000, 0x5000, 0x10000, 0x71000, 0x30000000, 0x30001000];

        private readonly HashSet<int> usedRegs = [];
        private readonly HashSet<(int Bus, int Slot)> usedSlots = [];
        private readonly HashSet<(int Ssid, int Devno)> usedDevnos = [];
        private readonly HashSet<int> usedUids = [];
        private readonly HashSet<int> usedFids = [];
        private int devnoCursor;
        private bool uidsCompleted;
        private bool fidsCompleted;
        private int hostBus;
        private bool littleEndian;

        private void BuildArches()
        {
            bool big = rng.Chance(0.1);
            int extra = big ? rng.Between(8, 50) : 0;
            switch (machine)
            {
                case MachineKind.Pseries:
                    BuildPseries(extra);
                    break;
                case MachineKind.Ccw:
                    BuildCcw(extra);
                    break;
                default:
                    BuildVirt(extra, mmio: machine == MachineKind.Mmio);
                    break;
            }
        }

        private void BuildPseries(int extra)
        {
            littleEndian = rng.Chance(0.2);
            int hostBridges = AddPciHostBridges();

            if (rng.Chance(0.4))
            {
                string model = rng.Pick("ibmvscsi", "ibmvscsi", "virtio-scsi");
                controllers.Add($"<controller type='scsi' index='0' model='{model}'/>");
                if (model == "ibmvscsi" && rng.Chance(0.25))
                {
                    controllers.Add($"<controller type='scsi' index='1' model='ibmvscsi'>{SpaprAddress(FreeReg())}</controller>");
                }
            }

            string[] diskBuses = ["virtio", "virtio", "virtio", "scsi", "scsi", "usb"];
            int disks = rng.Between(0, 4) + (rng.Chance(0.5) ? extra : 0);
            for (int i = 0; i < disks; i++)
            {
                devices.Add(Disk(rng.PickFrom(diskBuses)));
            }

            Sometimes(0.3, () => Disk("scsi", cdrom: true));

            string[] nicModels = ["virtio", "virtio", "spapr-vlan", "spapr-vlan", "e1000", "rtl8139"];
            int nics = rng.Between(0, 3) + (extra / 2);
            for (int i = 0; i < nics; i++)
            {
                string model = rng.PickFrom(nicModels);
                string address = model == "spapr-vlan" && rng.Chance(0.2) ? SpaprAddress(FreeReg()) : string.Empty;
                if (address.Length == 0 && model != "spapr-vlan" && hostBridges > 0 && rng.Chance(0.4))
                {
                    address = FreeHostBridgeSlot(hostBridges);
                }

                devices.Add(Nic(model, address));
            }

            AddOneOf(
                (0.25, () => ["<serial type='pty'/>"]),
                (0.45, () => ["<console type='pty'/>"]),
                (0.6, () => ["<serial type='pty'><target type='spapr-vio-serial'/></serial>"]),
                (0.7, () => [$"<serial type='pty'><target type='spapr-vio-serial'/>{SpaprAddress(FreeReg())}</serial>"]),
                (0.78, () => ["<serial type='pty'/>", "<serial type='pty'/>"]));

            Sometimes(0.2, () => rng.Chance(0.5) ? $"<nvram>{SpaprAddress(FreeReg())}</nvram>" : "<nvram/>");

            if (rng.Chance(0.2))
            {
                controllers.Add($"<controller type='usb' index='0' model='{rng.Pick("qemu-xhci", "pci-ohci", "nec-xhci")}'/>");
            }

            Sometimes(0.3, () => $"<input type='{rng.Pick("tablet", "keyboard", "mouse")}' bus='usb'/>");
            Sometimes(0.4, () => $"<video><model type='{rng.Pick("vga", "virtio", "bochs")}'/></video>");
            Sometimes(0.2, "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>");
            Sometimes(0.2, "<panic model='pseries'/>");
            Sometimes(0.1, "<memballoon model='none'/>");

            if (rng.Chance(0.04))
            {
                DeliberatelyInvalid = true;
                if (rng.Chance(0.5))
                {
                    // two spapr-vio devices on one reg
                    int reg = rng.Pick(0x2000, 0x6000, 0x20000);
                    devices.Add(Nic("spapr-vlan", SpaprAddress(reg)));
                    devices.Add($"<serial type='pty'><target type='spapr-vio-serial'/>{SpaprAddress(reg)}</serial>");
                }
                else
                {
                    devices.Add(Nic("virtio", PciAddress(0, 7)));
                    devices.Add(Nic("e1000", PciAddress(0, 7)));
                }
            }
        }

        /// <summary>
        /// Extra PCI host bridges (pci-root controllers 1..n), some with a NUMA node, an explicit target index
        /// (mostly the controller's index) or none; returns how many.
        /// </summary>
        private int AddPciHostBridges()
        {
            if (!rng.Chance(0.3))
            {
                return 0;
            }

            int count = rng.Between(1, 3);
            if (rng.Chance(0.5))
            {
                numaCells = rng.Pick(2, 2, 3);
            }

            for (int i = 1; i <= count; i++)
            {
                double t = rng.NextDouble();
                string targetIndex = t switch
                {
                    < 0.75 => Invariant($" index='{i}'"),
                    < 0.9 => Invariant($" index='{i + count}'"),
                    _ => string.Empty,
                };
                string node = numaCells > 0 && rng.Chance(0.6) ? Invariant($"<node>{rng.Below(numaCells)}</node>") : string.Empty;
                string target = targetIndex.Length == 0 && node.Length == 0 ? string.Empty
                    : node.Length == 0 ? $"<target{targetIndex}/>"
                    : $"<target{targetIndex}>{node}</target>";
                controllers.Add(Invariant(
                    $"<controller type='pci' index='{i}' model='pci-root'><model name='spapr-pci-host-bridge'/>{target}</controller>"));
            }

            return count;
        }

        /// <summary>Adds a device with probability <paramref name="chance"/> (drawn only when it is added).</summary>
        private void Sometimes(double chance, Func<string> device)
        {
            if (rng.Chance(chance))
            {
                devices.Add(device());
            }
        }

        private void Sometimes(double chance, string device) => Sometimes(chance, () => device);

        /// <summary>
        /// Draws once and adds the devices of the first band the draw lies below (nothing past the last band).
        /// </summary>
        private void AddOneOf(params (double Below, Func<string[]> Devices)[] bands)
        {
            double draw = rng.NextDouble();
            foreach (var (below, make) in bands)
            {
                if (draw < below)
                {
                    devices.AddRange(make());
                    return;
                }
            }
        }

        /// <summary>None, one or two virtio-serial channels (one time in two none).</summary>
        private void AddChannels()
        {
            int channels = rng.Pick(0, 0, 1, 2);
            for (int i = 0; i < channels; i++)
            {
                devices.Add(Invariant($"<channel type='unix'><target type='virtio' name='org.example.ch{i}'/></channel>"));
            }
        }

        /// <summary>A PCI address on one of the extra host bridges (1..<paramref name="hostBridges"/>) that no device has yet.</summary>
        private string FreeHostBridgeSlot(int hostBridges)
        {
            int bus, slot;
            do
            {
                (bus, slot) = (rng.Between(1, hostBridges), rng.Between(1, 31));
            }
            while (!usedSlots.Add((bus, slot)));

            return PciAddress(bus, slot);
        }

        /// <summary>A slot of PCI bus 0 that no device has yet.</summary>
        private string FreeRootSlot()
        {
            int slot;
            do
            {
                slot = rng.Between(1, 31);
            }
            while (!usedSlots.Add((0, slot)));

            return PciAddress(0, slot);
        }

        /// <summary>A spapr-vio reg no other explicit address of the guest has (it may be one libvirt would give).</summary>
        private int FreeReg()
        {
            var free = SpaprRegs.Where(r => !usedRegs.Contains(r)).ToList();
            int reg = free.Count > 0 ? rng.PickFrom(free) : 0x100000 + (0x1000 * usedRegs.Count);
            usedRegs.Add(reg);
            return reg;
        }

        private void BuildCcw(int extra)
        {
            devnoCursor = rng.Pick(0, 0, 0x10, 0x100, 0x1000);

            if (rng.Chance(0.3))
            {
                controllers.Add(Element("<controller type='scsi' index='0' model='virtio-scsi'", rng.Chance(0.3) ? NextDevno() : string.Empty, "controller"));
            }

            string[] diskBuses = ["virtio", "virtio", "virtio", "virtio", "scsi"];
            int disks = rng.Between(0, 5) + (rng.Chance(0.5) ? extra : 0);
            for (int i = 0; i < disks; i++)
            {
                string bus = rng.PickFrom(diskBuses);
                devices.Add(Disk(bus, address: bus == "virtio" && rng.Chance(0.2) ? NextDevno() : string.Empty));
            }

            Sometimes(0.3, () => Disk("scsi", cdrom: true));

            int nics = rng.Between(0, 3) + (extra / 2);
            for (int i = 0; i < nics; i++)
            {
                devices.Add(Nic("virtio", rng.Chance(0.2) ? NextDevno() : string.Empty));
            }

            AddChannels();

            AddOneOf(
                (0.2, () => ["<console type='pty'><target type='sclp'/></console>"]),
                (0.35, () => ["<console type='pty'><target type='sclplm'/></console>"]),
                (0.5, () => ["<console type='pty'><target type='virtio'/></console>"]),
                (0.6, () => ["<console type='pty'><target type='sclp'/></console>", "<console type='pty'><target type='sclplm'/></console>"]),
                (0.65, () => ["<console type='pty'/>"]));

            if (rng.Chance(0.3))
            {
                string address = rng.Chance(0.3) ? NextDevno() : string.Empty;
                devices.Add($"<rng model='virtio'><backend model='random'>/dev/urandom</backend>{address}</rng>");
            }

            Sometimes(0.2, () => $"<watchdog model='diag288' action='{rng.Pick("poweroff", "reset", "inject-nmi")}'/>");
            Sometimes(0.2, () => $"<input type='{rng.Pick("tablet", "keyboard", "mouse")}' bus='virtio'/>");
            Sometimes(0.15, () => rng.Chance(0.4) ? "<memballoon model='none'/>" : $"<memballoon model='virtio'>{NextDevno()}</memballoon>");
            Sometimes(0.15, "<panic model='s390'/>");
            Sometimes(0.2, "<video><model type='virtio'/></video>");
            Sometimes(0.2, "<vsock model='virtio'><cid auto='yes'/></vsock>");

            if (rng.Chance(0.3))
            {
                int hostdevs = rng.Between(1, 3);
                for (int i = 0; i < hostdevs; i++)
                {
                    devices.Add(PciHostdev(ZpciIds()));
                }
            }

            Sometimes(0.12, () => $"<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source><address uuid='{Uuid()}'/></source>{(rng.Chance(0.5) ? NextDevno() : string.Empty)}</hostdev>");
            Sometimes(0.08, () => $"<hostdev mode='subsystem' type='mdev' model='vfio-ap'><source><address uuid='{Uuid()}'/></source></hostdev>");

            if (rng.Chance(0.05))
            {
                DeliberatelyInvalid = true;
                if (rng.Chance(0.6))
                {
                    // one devno twice
                    string address = CcwAddress(0, 0xfe00 + rng.Below(0x100));
                    devices.Add(Nic("virtio", address));
                    devices.Add(Disk("virtio", address: address));
                }
                else if (rng.Chance(0.5))
                {
                    // one zPCI uid (or fid) twice
                    string zpci = rng.Chance(0.5)
                        ? Invariant($"<zpci uid='0x{0x8000 + rng.Below(0x100):x4}'/>")
                        : Invariant($"<zpci fid='0x{0x8000 + rng.Below(0x100):x8}'/>");
                    devices.Add(PciHostdev(zpci));
                    devices.Add(PciHostdev(zpci));
                }
                else
                {
                    // a device with only a fid, completed with the lowest free uid, then one that asks for that uid
                    int lowest = Enumerable.Range(1, 0xffff).First(u => !usedUids.Contains(u));
                    devices.Add(PciHostdev(Invariant($"<zpci fid='0x{0x9000 + rng.Below(0x100):x8}'/>")));
                    devices.Add(PciHostdev(Invariant($"<zpci uid='0x{lowest:x4}'/>")));
                }
            }
        }

        /// <summary>
        /// An explicit CCW address past the previous one (by 1–4), mostly in subchannel set 0; never one an earlier
        /// explicit address has.
        /// </summary>
        private string NextDevno()
        {
            int ssid = rng.Chance(0.1) ? rng.Between(1, 3) : 0;
            devnoCursor += rng.Between(1, 4);
            while (!usedDevnos.Add((ssid, devnoCursor)))
            {
                devnoCursor++;
            }

            return CcwAddress(ssid, devnoCursor);
        }

        /// <summary>
        /// No zPCI ids (two in five), both, only the uid or only the fid; never one an earlier host device has.
        /// Half the ids are small ones (which libvirt would also give), except after a device with only the other
        /// id: libvirt completes such a device where it stands, with the lowest free id, so a later device asking
        /// for that id would clash.
        /// </summary>
        private string ZpciIds()
        {
            double kind = rng.NextDouble();
            if (kind < 0.4)
            {
                return string.Empty;
            }

            bool hasUid = kind < 0.85, hasFid = kind is < 0.7 or >= 0.85;
            string uid = hasUid ? Invariant($" uid='0x{DrawUnused(usedUids, 1, 0xffff, small: !uidsCompleted):x4}'") : string.Empty;
            string fid = hasFid ? Invariant($" fid='0x{DrawUnused(usedFids, 0, 0xfffffff, small: !fidsCompleted):x8}'") : string.Empty;
            uidsCompleted |= !hasUid;
            fidsCompleted |= !hasFid;
            return $"<zpci{uid}{fid}/>";
        }

        private int DrawUnused(HashSet<int> used, int min, int max, bool small)
        {
            int id;
            do
            {
                id = small && rng.Chance(0.5) ? rng.Between(min, min + 7) : rng.Between(min + 0x100, max);
            }
            while (!used.Add(id));

            return id;
        }

        /// <summary>
        /// A vfio PCI host device at a host address of its own, with these zPCI ids (if any); one in five of those
        /// with ids also asks for a guest PCI slot.
        /// </summary>
        private string PciHostdev(string zpci)
        {
            hostBus++;
            string address = zpci.Length == 0 ? string.Empty
                : rng.Chance(0.2) ? FreeRootSlot().Replace("/>", $">{zpci}</address>", StringComparison.Ordinal)
                : $"<address type='pci'>{zpci}</address>";
            return Invariant(
                $"<hostdev mode='subsystem' type='pci' managed='yes'><driver name='vfio'/><source><address domain='0x{rng.Below(4):x4}' bus='0x{hostBus:x2}' slot='0x{rng.Below(32):x2}' function='0x0'/></source>{address}</hostdev>");
        }

        private string Uuid()
        {
            ulong hi = rng.NextUInt64(), lo = rng.NextUInt64();
            return Invariant($"{hi >> 32:x8}-{(hi >> 16) & 0xffff:x4}-4{(hi >> 4) & 0xfff:x3}-a{(lo >> 48) & 0xfff:x3}-{lo & 0xffffffffffff:x12}");
        }

        /// <summary>riscv64 virt, armv7l virt, or (<paramref name="mmio"/>) aarch64 virt with virtio-mmio devices.</summary>
        private void BuildVirt(int extra, bool mmio)
        {
            string Mmio(double chance = 0.7) => mmio && rng.Chance(chance) ? VirtioMmioAddress : string.Empty;

            if (!mmio && rng.Chance(0.2))
            {
                int ports = rng.Between(1, 8);
                for (int i = 1; i <= ports; i++)
                {
                    controllers.Add(Invariant($"<controller type='pci' index='{i}' model='pcie-root-port'/>"));
                }
            }

            if (rng.Chance(0.3))
            {
                controllers.Add(Element("<controller type='scsi' index='0' model='virtio-scsi'", Mmio(0.5), "controller"));
            }

            string[] diskBuses = ["virtio", "virtio", "virtio", "scsi"];
            int disks = rng.Between(0, 4) + (rng.Chance(0.5) ? extra : 0);
            for (int i = 0; i < disks; i++)
            {
                string bus = rng.PickFrom(diskBuses);
                devices.Add(Disk(bus, address: bus == "virtio" ? Mmio() : string.Empty));
            }

            Sometimes(0.2, () => Disk("scsi", cdrom: true));

            string[] nicModels = mmio ? ["virtio"] : ["virtio", "virtio", "e1000e"];
            int nics = rng.Between(0, 3) + (extra / 2);
            for (int i = 0; i < nics; i++)
            {
                devices.Add(Nic(rng.PickFrom(nicModels), Mmio()));
            }

            if (!mmio && rng.Chance(0.15))
            {
                devices.Add(Nic("virtio", PciAddress(0, rng.Between(2, 31))));
            }

            Sometimes(0.4, "<console type='pty'/>");

            AddChannels();

            Sometimes(0.3, () => $"<rng model='virtio'><backend model='random'>/dev/urandom</backend>{Mmio()}</rng>");

            if (rng.Chance(0.3))
            {
                controllers.Add("<controller type='usb' index='0' model='qemu-xhci'/>");
                devices.Add($"<input type='{rng.Pick("tablet", "keyboard")}' bus='usb'/>");
            }

            Sometimes(0.2, () => Element($"<input type='{rng.Pick("tablet", "keyboard", "mouse")}' bus='virtio'", Mmio(), "input"));
            Sometimes(0.2, "<video><model type='virtio'/></video>");

            double balloon = rng.NextDouble();
            if (balloon < 0.15)
            {
                devices.Add("<memballoon model='none'/>");
            }
            else if (mmio && balloon < 0.35)
            {
                devices.Add($"<memballoon model='virtio'>{VirtioMmioAddress}</memballoon>");
            }

            if (rng.Chance(0.04))
            {
                // two devices on one PCI address
                DeliberatelyInvalid = true;
                int slot = rng.Between(3, 9);
                devices.Add(Nic("virtio", PciAddress(0, slot)));
                devices.Add(Disk("virtio", address: PciAddress(0, slot)));
            }
        }
    }
}
