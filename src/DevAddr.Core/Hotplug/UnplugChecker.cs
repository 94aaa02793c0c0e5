using DevAddr.Core.Catalog;
using DevAddr.Core.Model;

namespace DevAddr.Core.Hotplug;

/// <summary>
/// Live hot-unplug (detach-device --live), as libvirt 9.0 and QEMU 7.2 decide it: the device kind must be
/// detachable, a PCI device must be alone in its slot, on a bus whose hotplug is not off and that QEMU hot-plugs
/// on; a SCSI controller must be empty. Devices are detached in the order given; each removable one leaves the
/// layout before the next is checked (so a SCSI disk and then its controller can go).
/// </summary>
internal static class UnplugChecker
{
    public static UnplugCheckResult Run(Plan layout, IReadOnlyList<string> ids, HotplugOptions? options, DeviceCatalog catalog)
    {
        var (live, error) = LiveLayout.Create(layout, options, catalog, HotplugFacts.Default);
        if (error is not null) return new UnplugCheckResult.Failure(error);
        var verdicts = new List<UnplugVerdict>();
        foreach (var id in ids)
        {
            var verdict = Check(live!, id);
            verdicts.Add(verdict);
            if (verdict.Removable)
                live!.Remove(live.Devices.First(d => d.Id == id));
        }
        return new UnplugCheckResult.Checked(new UnplugReport
        {
            Removable = verdicts.All(v => v.Removable),
            Summary = LayoutPlans.Summarize(verdicts.Count(v => v.Removable), verdicts.Count, "unplugged", verdicts.Select(v => v.Reasons)),
            Devices = verdicts,
            Assumptions =
            [
                live!.Machine.Ccw
                    ? "a removable PCI device still needs the guest OS to release it; libvirt waits 5 s and reports success with the removal pending (QEMU removes channel I/O devices at once)"
                    : live!.Machine.SpaprVio
                        ? "a removable PCI device still needs the guest OS to release it (PAPR dynamic reconfiguration); libvirt waits 5 s and reports success with the removal pending"
                        : "a removable PCI device still needs the guest OS to release it (PCI Express native hotplug, SHPC or ACPI); libvirt waits 5 s and reports success with the removal pending",
            ],
            LayoutAfter = LayoutPlans.Of(live!),
        });
    }

    private static UnplugVerdict Check(LiveLayout l, string id)
    {
        var d = l.Devices.FirstOrDefault(x => x.Id == id);
        if (d is null)
            return new UnplugVerdict
            {
                DeviceId = id,
                Device = "?",
                LibvirtError = "device not found",
                Reasons = [new HotplugReason { Code = HotplugReasons.UnknownDevice, Layer = HotplugLayers.Libvirt, Message = $"the layout has no device '{id}'" }],
            };

        var reasons = new List<HotplugReason>();
        var rule = l.Facts.LiveDetach.First(r => r.Matches(d, l.Machine.Name));
        if (rule.Layer is not null)
            reasons.Add(new HotplugReason { Code = HotplugReasons.LiveDetachUnsupported, Layer = rule.Layer, Message = rule.Format(d.Kind, d.Type, d.Bus, d.Model) });

        if (d.Kind == "controller" && d.Type == "scsi")
        {
            int idx = d.Index ?? 0;
            var users = l.Devices.Where(o => ((o.Kind == "disk" && o.Bus == "scsi") || (o.Kind == "hostdev" && o.Type == "scsi"))
                                            && o.Address is DriveAddress a && a.Controller == idx).Select(o => o.Id).ToList();
            if (users.Count > 0)
                reasons.Add(new HotplugReason
                {
                    Code = HotplugReasons.ControllerBusy,
                    Layer = HotplugLayers.Libvirt,
                    Message = $"device cannot be detached: device is busy (SCSI controller {idx} still holds {string.Join(", ", users)})",
                });
        }

        if (d.Address is PciAddress pci && rule.Layer is null)
            reasons.AddRange(PciReasons(l, d, pci));

        // Buses QEMU takes no hotplug on: spapr-vio (pseries), the SCSI bus of an ibmvscsi controller.
        string? bus = rule.Layer is not null ? null
            : d.Address is SpaprVioAddress ? l.SpaprVioRefusal
            : d.Address is DriveAddress drive && (d.Kind == "disk" || d.Kind == "hostdev") ? l.ScsiBusRefusal(drive.Controller)
            : null;
        if (bus is not null)
            reasons.Add(new HotplugReason
            {
                Code = HotplugReasons.NotHotpluggablePlace,
                Layer = HotplugLayers.Qemu,
                Message = bus,
            });

        var libvirt = reasons.FirstOrDefault(r => r.Layer == HotplugLayers.Libvirt);
        var qemu = reasons.FirstOrDefault(r => r.Layer == HotplugLayers.Qemu);
        return new UnplugVerdict
        {
            DeviceId = id,
            Device = LiveLayout.DescribeDevice(d),
            Removable = reasons.Count == 0,
            Address = d.Address,
            Place = d.Address switch
            {
                PciAddress p => l.Describe(p.Bus),
                SpaprVioAddress => "the spapr-vio bus",
                CcwAddress => "channel I/O",
                _ => null,
            },
            PciPath = d.Address is PciAddress q ? l.PathOf(q) : null,
            LibvirtError = libvirt?.Message ?? (qemu is null ? null : "unable to execute QEMU command 'device_del': " + qemu.Message),
            Reasons = reasons,
        };
    }

    private static List<HotplugReason> PciReasons(LiveLayout l, Device d, PciAddress a)
    {
        var reasons = new List<HotplugReason>();
        bool shared = a.Multifunction == true || l.Devices.Any(o => !ReferenceEquals(o, d) && o.Address is PciAddress b
                                                                  && b.Domain == a.Domain && b.Bus == a.Bus && b.Slot == a.Slot && b.Function != a.Function);
        if (shared)
            reasons.Add(new HotplugReason
            {
                Code = HotplugReasons.Multifunction,
                Layer = HotplugLayers.Libvirt,
                ControllerIndex = a.Bus,
                Message = $"cannot hot unplug {d.Kind} device with multifunction PCI guest address: {a}",
            });
        if (l.HotplugOff(a.Bus))
            reasons.Add(new HotplugReason
            {
                Code = HotplugReasons.NotHotpluggablePlace,
                Layer = HotplugLayers.Libvirt,
                ControllerIndex = a.Bus,
                Message = $"cannot hot unplug {d.Kind} device with PCI guest address: {a} - not allowed by controller ({l.Describe(a.Bus)})",
            });
        else if (l.BusModel(a.Bus) is { Hotplug: false })
            reasons.Add(new HotplugReason
            {
                Code = HotplugReasons.NotHotpluggablePlace,
                Layer = HotplugLayers.Qemu,
                ControllerIndex = a.Bus,
                Message = $"Bus '{l.QemuBusName(a.Bus)}' does not support hotplugging ({l.Describe(a.Bus)} never accepts hotplug)",
            });
        else if (l.QemuRefusal(a.Bus) is string refusal)
            reasons.Add(new HotplugReason
            {
                Code = HotplugReasons.NotHotpluggablePlace,
                Layer = HotplugLayers.Qemu,
                ControllerIndex = a.Bus,
                Message = refusal,
            });
        return reasons;
    }
}
