using System.Globalization;
using DevAddr.Core.Model;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Policy.Libvirt;

// The address passes of the buses other machines have, in libvirt's order after the virtio-serial ports:
// spapr-vio registers (pseries), channel I/O device numbers (s390x), the virtio-mmio transport (ARM and RISC-V virt);
// and the s390x zPCI ids of PCI devices, which are collected before and assigned after PCI placement.
internal sealed partial class LibvirtPolicy
{
    /// <summary>
    /// The device kinds in libvirt's device iteration order (virDomainDeviceInfoIterate), which decides which of two
    /// clashing devices is named and the order automatic CCW device numbers and zPCI ids are given in.
    /// </summary>
    private static readonly string[] s_iterationOrder =
    [
        "disk", "interface", "sound", "hostdev", "video", "controller", "smartcard", "serial", "parallel", "channel",
        "console", "input", "filesystem", "watchdog", "memballoon", "rng", "nvram", "hub", "shmem", "tpm", "panic",
        "memory", "redirdev", "iommu", "vsock",
    ];

    /// <summary>The position of a device kind in libvirt's iteration order (kinds it does not iterate come last).</summary>
    internal static int IterationRank(string kind)
    {
        int rank = Array.IndexOf(s_iterationOrder, kind);
        return rank < 0 ? s_iterationOrder.Length : rank;
    }

    /// <summary>Whether a device kind carries zPCI ids when it is on PCI: every kind but the character devices.</summary>
    internal static bool ZpciKind(string kind) => kind is not ("serial" or "console" or "channel" or "parallel");

    /// <summary>
    /// Every device (or every one <paramref name="keep"/> keeps) in libvirt's iteration order (within a kind: the order of
    /// the device list).
    /// </summary>
    private ArraySegment<WorkDevice> InIterationOrder(Func<WorkDevice, bool>? keep = null) =>
        // libvirt iterates controllers from the controller list only (a device of kind "controller" is left out).
        SortedByKind(static (d, onControllerList) => d.IsController && !onControllerList ? -1 : d.IterationRank, keep);

    // ---------------------------------------------------------------- spapr-vio

    /// <summary>QEMU's default spapr-vio register per device kind (spapr_llan, spapr_vscsi, spapr_nvram, spapr_tpm, spapr_vty).</summary>
    private const long VioNic = 0x1000, VioScsi = 0x2000, VioNvram = 0x3000, VioTpm = 0x4000, VioSerial = 0x30000000, VioStep = 0x1000;

    /// <summary>
    /// spapr-vio registers (qemuDomainAssignSpaprVIOAddresses): spapr-vlan NICs, ibmvscsi controllers, spapr-vty
    /// serials and, on pseries, the NVRAM and TPMs (but the proxy) are on the spapr-vio bus whatever address they were
    /// given; so is any NIC, controller or serial given a spapr-vio address. In the order NICs, controllers, serials,
    /// NVRAM, TPMs: a given register must be free; a device without one takes its kind's default, raised by 0x1000
    /// while another device holds it.
    /// </summary>
    private void AssignSpaprVioAddresses()
    {
        var walk = new List<(WorkDevice Device, long Default)>();
        void Visit(IEnumerable<WorkDevice> devices, Func<WorkDevice, bool> forced, long defaultReg)
        {
            foreach (var d in devices)
            {
                if (forced(d) && d.Address is not SpaprVioAddress) d.Address = new SpaprVioAddress(RegOfOtherAddress(d.Address));
                if (d.Address is SpaprVioAddress) walk.Add((d, defaultReg));
            }
        }

        Visit(OfKind("interface"), n => n.Model == "spapr-vlan", VioNic);
        Visit(_controllers, c => c.Type == "scsi" && c.Model == "ibmvscsi", VioScsi);
        Visit(OfKind("serial"), s => s.Type == "spapr-vio-serial", VioSerial);
        Visit(OfKind("nvram"), _ => _machine.SpaprVio, VioNvram);
        Visit(OfKind("tpm"), t => _machine.SpaprVio && t.Model != "spapr-tpm-proxy", VioTpm);
        if (walk.Count == 0) return;

        bool HeldByOther(WorkDevice self, long reg) =>
            All.Any(o => o != self && o.Address is SpaprVioAddress { Reg: long r } && r == reg);
        foreach (var (d, defaultReg) in walk)
        {
            var given = ((SpaprVioAddress)d.Address!).Reg;
            long reg = given ?? defaultReg;
            while (HeldByOther(d, reg))
            {
                if (given is not null)
                    throw Error(ErrorCodes.AddressConflict, $"spapr-vio address {Hex(reg)} already in use", d, "spapr-vio-reg-unique");
                reg += VioStep;
            }
            d.Address = new SpaprVioAddress(reg);
        }
    }

    /// <summary>C's %#llx: 0 as "0", anything else with a 0x prefix.</summary>
    private static string Hex(long value) => value == 0 ? "0" : "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>
    /// The register libvirt reads from another address kind's bytes when it puts the device on spapr-vio (the address
    /// is a C union): a PCI address with a non-zero slot reads as domain + bus × 2^32; anything else as none.
    /// </summary>
    private static long? RegOfOtherAddress(DeviceAddress? address) =>
        address is PciAddress { Slot: not 0 } p ? p.Domain + ((long)p.Bus << 32) : null;

    // ---------------------------------------------------------------- virtio on CCW or virtio-mmio

    /// <summary>
    /// The devices libvirt puts on a virtio transport when they have no address (qemuDomainPrimeVirtioDeviceAddresses):
    /// virtio disks, NICs, video and inputs, virtio-serial and SCSI controllers, vhost-scsi host devices, the
    /// memballoon, RNGs, virtio-pmem and virtio-mem; on CCW also filesystems and the vsock.
    /// </summary>
    private IEnumerable<WorkDevice> VirtioTransportDevices(bool ccw)
    {
        static bool VirtioModel(string? model) => model is "virtio" or "virtio-transitional" or "virtio-non-transitional";
        foreach (var d in OfKind("disk").Where(d => d.Bus == "virtio")) yield return d;
        foreach (var d in OfKind("interface").Where(n => VirtioModel(n.Model) && n.Type != "hostdev")) yield return d;
        foreach (var d in OfKind("video").Where(v => v.Model == "virtio")) yield return d;
        foreach (var d in OfKind("input").Where(i => i.Bus == "virtio")) yield return d;
        foreach (var d in _controllers.Where(c => c.Type is "virtio-serial" or "scsi")) yield return d;
        foreach (var d in OfKind("hostdev").Where(h => h.Type == "scsi_host")) yield return d;
        foreach (var d in OfKind("memballoon").Where(m => m.Model != "none")) yield return d;
        foreach (var d in OfKind("rng")) yield return d;
        foreach (var d in OfKind("memory").Where(m => m.Model is "virtio-pmem" or "virtio-mem")) yield return d;
        foreach (var d in OfKind("crypto")) yield return d;
        if (!ccw) yield break;
        foreach (var d in OfKind("filesystem")) yield return d;
        foreach (var d in OfKind("vsock")) yield return d;
    }

    /// <summary>
    /// s390x channel I/O (qemuDomainAssignS390Addresses): vfio-ccw mediated devices and the virtio devices without an
    /// address go on CCW (vfio-ap ones never have an address); the given device numbers must be unique; the others
    /// take the lowest free fe.0.xxxx in libvirt's device iteration order.
    /// </summary>
    private void AssignCcwAddresses()
    {
        if (!_machine.Ccw) return;
        foreach (var h in OfKind("hostdev").Where(h => h.Type == "mdev"))
        {
            if (h.Model == "vfio-ccw" && h.Address is null) h.Address = new CcwAddress();
            else if (h.Model == "vfio-ap") h.Address = null;
        }
        foreach (var d in VirtioTransportDevices(ccw: true).Where(d => d.Address is null))
            d.Address = new CcwAddress();

        var used = new HashSet<(int, int, int)>();
        var order = InIterationOrder();
        foreach (var d in order)
        {
            if (d.Address is not CcwAddress { IsComplete: true } a) continue;
            if (!used.Add((a.Cssid!.Value, a.Ssid!.Value, a.Devno!.Value)))
                throw Error(ErrorCodes.AddressConflict, $"The CCW devno '{a}' is in use already", d, "ccw-address-unique");
        }
        int next = 0;
        foreach (var d in order)
        {
            if (d.Address is not CcwAddress { IsComplete: false }) continue;
            while (next <= CcwAddress.DevnoLast && used.Contains((CcwAddress.CssidLast, 0, next))) next++;
            if (next > CcwAddress.DevnoLast)
                throw Error(ErrorCodes.NoSpace, "There are no more free CCW devnos.", d, "ccw-free-devno");
            used.Add((CcwAddress.CssidLast, 0, next));
            d.Address = new CcwAddress(CcwAddress.CssidLast, 0, next);
        }
    }

    /// <summary>
    /// ARM and RISC-V boards (qemuDomainAssignVirtioMMIOAddresses): on virt, once any device has a virtio-mmio address,
    /// every virtio device without an address gets one too (otherwise they go on PCI Express); boards without PCI
    /// Express (vexpress) put them all on virtio-mmio.
    /// </summary>
    private void PrimeVirtioMmio()
    {
        // A board without PCI Express (vexpress) has only virtio-mmio.
        if (!_machine.VirtioMmio || (_machine.IsPcie && !All.Any(d => d.Address is VirtioMmioAddress))) return;
        foreach (var d in VirtioTransportDevices(ccw: false).Where(d => d.Address is null))
            d.Address = new VirtioMmioAddress();
    }

    // ---------------------------------------------------------------- zPCI

    /// <summary>Whether a PCI device carries zPCI ids: every device but the character devices (serial, console, channel, parallel).</summary>
    private bool HasZpci(WorkDevice d) => _machine.Zpci && ZpciKind(d.Kind) && !_noZpci.Contains(d);

    /// <summary>PCI controllers added during PCI placement: libvirt decides which devices get zPCI ids before they exist.</summary>
    private readonly HashSet<WorkDevice> _noZpci = new(ReferenceEqualityComparer.Instance);

    private readonly HashSet<int> _zpciUids = [];
    private readonly HashSet<long> _zpciFids = [];

    /// <summary>The zPCI ids given in part or whole, completed and reserved before PCI placement (which may replace the PCI address).</summary>
    private readonly Dictionary<WorkDevice, ZpciIds> _givenZpci = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// zPCI ids given in part or whole (virDomainPCIAddressExtensionReserveAddr, when the PCI address set is made):
    /// a missing uid is the lowest free from 1, a missing fid the lowest free from 0, and both must be unused.
    /// </summary>
    private void ReserveGivenZpci()
    {
        if (!_machine.Zpci)
        {
            // Checked before placement, which may replace a PCI address given only to carry the ids.
            if (All.FirstOrDefault(d => d.Address is PciAddress { Zpci: not null }) is { } z)
                throw Error(ErrorCodes.Unsupported, "This QEMU binary doesn't support zPCI", z, "zpci-machine");
            return;
        }
        foreach (var d in InIterationOrder())
        {
            if (d.Address is PciAddress { Zpci: { } z } && HasZpci(d))
                _givenZpci[d] = ReserveZpci(z, d);
        }
    }

    /// <summary>
    /// zPCI ids of every PCI device once placed: the given ones, and for the others the lowest free ones in iteration
    /// order (virDomainPCIAddressExtensionReserveNextAddr).
    /// </summary>
    private void AssignZpci()
    {
        if (!_machine.Zpci) return;
        foreach (var d in InIterationOrder())
        {
            if (d.Address is not PciAddress p || !HasZpci(d)) continue;
            if (_givenZpci.TryGetValue(d, out var given)) d.Address = p with { Zpci = given };
            else if (d.PciPresent) d.Address = p with { Zpci = ReserveZpci(new ZpciIds(), d) };
        }
    }

    private ZpciIds ReserveZpci(ZpciIds z, WorkDevice d)
    {
        int uid = z.Uid ?? LowestFree(_zpciUids, 1, ZpciIds.UidLast, "uid", d);
        long fid = z.Fid ?? LowestFree(_zpciFids, 0L, ZpciIds.FidLast, "fid", d);
        // libvirt prints the clashing id in octal.
        if (!_zpciUids.Add(uid))
            throw Error(ErrorCodes.AddressConflict, $"zPCI uid {Convert.ToString(uid, 8)} is already reserved", d, "zpci-unique");
        if (!_zpciFids.Add(fid))
        {
            _zpciUids.Remove(uid);
            throw Error(ErrorCodes.AddressConflict, $"zPCI fid {Convert.ToString(fid, 8)} is already reserved", d, "zpci-unique");
        }
        return new ZpciIds(uid, fid);
    }

    private static T LowestFree<T>(HashSet<T> used, T min, T max, string what, WorkDevice d) where T : System.Numerics.INumber<T>
    {
        for (var v = min; ; v++)
        {
            if (!used.Contains(v)) return v;
            if (v == max) throw Error(ErrorCodes.NoSpace, $"There is no more free {what}.", d, "zpci-free");
        }
    }

    // ---------------------------------------------------------------- checks of these address kinds

    /// <summary>Validation of the address kinds of other machines (qemuValidateDomainDeviceDefAddress and friends).</summary>
    private void ValidateOtherBuses()
    {
        // Only a device with an address other than a plain PCI one can fail a check of this loop.
        foreach (var d in InIterationOrder(static d => d.Address is not (null or PciAddress { Zpci: null })))
        {
            switch (d.Address)
            {
                case CcwAddress when !_machine.Ccw:
                    throw Error(ErrorCodes.Unsupported, $"cannot use CCW address type for device '{d.Id}' using machine type '{_request.Machine.Type}'", d, "address-kind");
                case SpaprVioAddress { Reg: > SpaprVioAddress.RegLast } s:
                    throw Error(ErrorCodes.Unsupported, $"spapr-vio reg='{Hex(s.Reg.Value)}' exceeds maximum possible value (0xffffffff)", d, "spapr-vio-reg-range");
                case PciAddress { Zpci: not null } when !_machine.Zpci:
                    throw Error(ErrorCodes.Unsupported, "This QEMU binary doesn't support zPCI", d, "zpci-machine");
                case PciAddress { Zpci.Uid: int uid } when uid is 0 or > ZpciIds.UidLast:
                    throw Error(ErrorCodes.InvalidInput, $"Invalid PCI address uid='0x{uid:x4}', must be > 0x0000 and <= 0xffff", d, "zpci-range");
                case VirtioMmioAddress when d.Kind == "hostdev" && d.Type == "scsi_host":
                    throw Error(ErrorCodes.Unsupported, "SCSI_host host device must use 'pci' or 'ccw' address type", d, "address-kind");
                case not (null or PciAddress) when d.Kind == "memory" && d.Model == "virtio-mem" && !(d.Address is CcwAddress && _rules.VirtioMemOnCcw):
                    throw Error(ErrorCodes.Unsupported, "only 'pci' addresses are supported for the virtio-mem device", d, "address-kind");
            }
        }
        foreach (var c in ControllersOf("pci").Where(c => c.Controller?.TargetIndex is not null))
        {
            int t = c.Controller!.TargetIndex!.Value;
            if (t > 30)
                throw Error(ErrorCodes.Unsupported, $"PCI controller target index '{t}' out of range - must be 0-30", c, "pci-target-index");
            if ((t == 0) != (c.Idx == 0))
                throw Error(ErrorCodes.Unsupported, "Only the PCI controller with index 0 can have target index 0, and vice versa", c, "pci-target-index");
        }
    }

    /// <summary>
    /// The options each PCI controller model takes (qemuValidateDomainDeviceDefControllerPCI), once libvirt has
    /// filled in its defaults: the model name of the model (a PHB's on pseries), an index above 0 for the
    /// non-root models, a NUMA node only on expander buses and pseries PHBs other than the first, a target index
    /// only on pseries PHBs.
    /// </summary>
    private void ValidatePciControllerOptions()
    {
        foreach (var c in ControllersOf("pci"))
        {
            var model = _catalog.FindPciController(c.Model!);
            if (model is null) continue;
            var o = c.Controller ?? new ControllerOptions();
            string modelName = o.ModelName ?? "none";
            PlanningException Invalid(string option, bool value = false) => Error(ErrorCodes.Unsupported,
                $"Option '{option}' {(value ? "has invalid value" : "is not valid")} for PCI controller with index '{c.Idx}', model '{c.Model}' and modelName '{modelName}'",
                c, "pci-controller-option");
            bool phb = model.Root && _machine.RootModelName is not null;
            string? wantedName = model.Root ? (phb ? _machine.RootModelName : null) : model.QemuModel;
            if (o.ModelName is not null && o.ModelName != wantedName && !model.OtherModelNames.Contains(o.ModelName))
                throw Invalid("modelName", value: wantedName is not null);
            if (!model.Root && c.Idx == 0)
                throw Error(ErrorCodes.Unsupported, $"Index for '{c.Model}' controllers must be > 0", c, "pci-controller-option");
            bool numaAllowed = model.Model is "pci-expander-bus" or "pcie-expander-bus" || (phb && c.Idx != 0);
            if (o.NumaNode is not null && !numaAllowed && !(phb && c.Idx == 0))
                throw Invalid("numaNode");
            if (o.TargetIndex is not null && !phb)
                throw Invalid("targetIndex");
        }
    }

    /// <summary>
    /// A new pseries PHB target index (qemuDomainAddressFindNewTargetIndex): the lowest 1-31 no PHB uses, counting
    /// only the pci-root controllers that carry the PHB model name by now; -1 when none is free.
    /// </summary>
    private int NewTargetIndex()
    {
        for (int t = 1; t <= 31; t++)
        {
            if (!ControllersOf("pci").Any(c => c.Model == "pci-root" && c.Controller?.ModelName == _machine.RootModelName && c.Controller?.TargetIndex == t))
                return t;
        }
        return -1;
    }
}
