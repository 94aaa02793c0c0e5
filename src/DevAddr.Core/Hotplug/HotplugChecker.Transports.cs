using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Policy.Libvirt;

namespace DevAddr.Core.Hotplug;

/// <summary>
/// The buses of the other machines at hotplug, as libvirt 9.0 attaches to them and QEMU 7.2 answers: s390x channel
/// I/O (CCW device numbers) and the zPCI ids of PCI devices, pseries spapr-vio; the defaults libvirt gives an
/// attach request; what QEMU's device_add refuses once libvirt has placed a device.
/// </summary>
internal sealed partial class HotplugChecker
{
    /// <summary>Where libvirt attaches a device: a PCI slot, a CCW device number, the spapr-vio bus, or the device's own bus (USB, drive, ...).</summary>
    private enum Transport { Pci, Ccw, SpaprVio, Own }

    /// <summary>
    /// The defaults libvirt's post-parse gives the device of an attach request, as in a definition: the machine's NIC
    /// model, input bus and serial target type, the disk bus from the target name.
    /// </summary>
    private Device AttachPostParse(Device d) => d.Kind switch
    {
        "interface" when d.Type != "hostdev" => d with { Model = LibvirtPolicy.NicModel(_l.Catalog, _l.Machine, d.Type, d.Model) },
        "input" when d.Bus is null => d with { Bus = LibvirtPolicy.DefaultInputBus(_l.Machine, d.Type) },
        "serial" => d with { Type = LibvirtPolicy.SerialTarget(_l.Machine, d.Type) },
        "disk" when d.Bus is null => d with { Bus = LibvirtPolicy.DefaultDiskBus(d.Type, d.Target) },
        _ => d,
    };

    /// <summary>
    /// Where libvirt 9.0's live attach puts a device. s390x: a NIC without a PCI address goes on CCW, whatever its
    /// model (qemuDomainAttachNetDevice), and so does a device attached through qemuDomainEnsureVirtioAddress
    /// without an address or with a CCW one. pseries: a device of the spapr-vio bus is not put there at hotplug: a
    /// NIC gets a PCI address over any address it was given (qemuDomainEnsurePCIAddress), a SCSI controller one
    /// unless it was given a spapr-vio address (qemuDomainEnsureVirtioAddress); a serial stays on spapr-vio.
    /// </summary>
    private Transport TransportOf(Device d, DeviceModelRule rule)
    {
        if (_l.Machine.Ccw)
        {
            if (d.Kind == "interface" && d.Type != "hostdev") return d.Address is PciAddress ? Transport.Pci : Transport.Ccw;
            if (EnsuresVirtioAddress(d) && d.Address is null or CcwAddress) return Transport.Ccw;
        }
        if (_l.Machine.SpaprVio && rule.Attach == "spapr-vio")
            return d.Kind == "interface" || (d.Kind == "controller" && d.Address is not SpaprVioAddress) ? Transport.Pci : Transport.SpaprVio;
        return rule.Connect != "none" || d.Address is PciAddress ? Transport.Pci : Transport.Own;
    }

    /// <summary>
    /// The attach paths that call qemuDomainEnsureVirtioAddress (virtio disks, SCSI controllers, RNGs, virtio inputs,
    /// vsock, filesystems, vfio-ccw) or choose CCW the same way (vhost-scsi host devices).
    /// </summary>
    private static bool EnsuresVirtioAddress(Device d) => d.Kind switch
    {
        "disk" or "input" => d.Bus == "virtio",
        "controller" or "rng" or "vsock" or "filesystem" => true,
        "hostdev" => d.Type == "scsi_host" || (d.Type == "mdev" && d.Model == "vfio-ccw"),
        _ => false,
    };

    /// <summary>
    /// Channel I/O (virDomainCCWAddressAssign on an address set made from the running guest): a given device number
    /// must be free; a device without one takes the lowest free fe.0.xxxx.
    /// </summary>
    private (HotplugVerdict Verdict, Device Placed) CheckCcw(Device d, HotplugVerdict v)
    {
        if (d.Address is CcwAddress { IsComplete: true } want)
        {
            if (_l.CcwHolder(want) is { } holder)
            {
                string error = $"The CCW devno '{want}' is in use already";
                _alternative = _l.FreeCcw();
                return Fail(d, v, Reason(HotplugReasons.AddressInvalid, HotplugLayers.Libvirt, $"{error} (by '{holder.Id}')"), error);
            }
            return (v with { Address = want, Place = ChannelOf(want) }, d);
        }
        if (_l.FreeCcw() is not { } free)
            return Fail(d, v, Reason(HotplugReasons.NoCcwDevno, HotplugLayers.Libvirt,
                "There are no more free CCW devnos.: all 65536 device numbers of channel subsystem 0xfe, subchannel set 0 are taken"),
                "There are no more free CCW devnos.");
        return (v with { Address = free, Place = ChannelOf(free) }, d with { Address = free });
    }

    private static string ChannelOf(CcwAddress a) => LiveLayout.Inv($"channel I/O (channel subsystem 0x{a.Cssid:x}, subchannel set {a.Ssid})");

    /// <summary>
    /// The zPCI ids of a PCI device attached to an s390x guest (virDomainZPCIAddressEnsureAddr): the given ones, the
    /// lowest free uid from 1 and fid from 0 for those left out; a taken one is refused (libvirt prints it in octal),
    /// and libvirt 9.0 then keeps the PCI slot it had reserved for the device until the guest stops.
    /// </summary>
    private (ZpciIds Ids, HotplugReason? Reason, string? Error) EnsureZpci(ZpciIds? given, PciAddress slot)
    {
        if (given?.Uid is int bad && bad is 0 or > ZpciIds.UidLast)
        {
            string invalid = LiveLayout.Inv($"Invalid PCI address uid='0x{bad:x4}', must be > 0x0000 and <= 0xffff");
            return (new ZpciIds(), Reason(HotplugReasons.AddressInvalid, HotplugLayers.Libvirt, invalid), invalid);
        }
        int uid = given?.Uid ?? _l.FreeZpciUid();
        long fid = given?.Fid ?? _l.FreeZpciFid();
        foreach (var (name, value, holder) in new[] { ("uid", (long)uid, _l.ZpciHolder(uid, null)), ("fid", fid, _l.ZpciHolder(null, fid)) })
        {
            if (holder is null) continue;
            string error = $"zPCI {name} {Convert.ToString(value, 8)} is already reserved";
            return (new ZpciIds(), Reason(HotplugReasons.AddressInvalid, HotplugLayers.Libvirt, LiveLayout.Inv(
                $"{error}: {name} 0x{value:x} is '{holder.Id}''s; libvirt keeps {slot}, which it had reserved for the device, taken until the guest stops")), error);
        }
        return (new ZpciIds(uid, fid), null, null);
    }

    /// <summary>
    /// What QEMU's device_add does with a device libvirt has placed: the spapr-vio bus takes no hotplug, and
    /// qemuDevices names what QEMU cannot put where libvirt put it or does not have. On s390x a refused PCI device
    /// takes the guest down: libvirt removes the zPCI device it attached first, and QEMU exits
    /// (qemuDomainAttachWatchdog attaches no zPCI device).
    /// </summary>
    private HotplugVerdict QemuDeviceProblems(Device placed, Transport transport, HotplugVerdict v)
    {
        if (v.Reasons.Any(r => r.Layer != HotplugLayers.Guest) || _exited is not null) return v;
        string code = HotplugReasons.QemuBusNoHotplug;
        string? refusal = transport == Transport.SpaprVio ? _l.SpaprVioRefusal : null;
        if (refusal is null)
        {
            var rule = _l.Facts.QemuDevices.First(r => r.Matches(placed, _l.Machine.Name));
            if (rule.Layer is null) return v;
            refusal = rule.Format(placed.Kind, placed.Type, placed.Bus, placed.Model);
            code = HotplugReasons.QemuDeviceRefused;
        }
        bool exits = _l.Machine.Zpci && placed.Address is PciAddress && placed.Kind != "watchdog";
        if (exits) _exited = placed.Id;
        var reason = new HotplugReason
        {
            Code = code,
            Layer = HotplugLayers.Qemu,
            ControllerIndex = (placed.Address as PciAddress)?.Bus,
            Message = exits
                ? $"libvirt attaches it at {placed.Address} on {v.Place}, QEMU refuses it ({refusal}); libvirt then removes the zPCI device it attached first and QEMU exits: the guest is gone"
                : $"libvirt attaches it {(placed.Address is null ? "" : $"at {placed.Address} ")}on {v.Place}, QEMU refuses it: {refusal}",
        };
        return v with
        {
            Reasons = [reason, .. v.Reasons],
            LibvirtError = exits ? _l.Facts.ZpciRollback.Message : "unable to execute QEMU command 'device_add': " + refusal,
        };
    }
}
