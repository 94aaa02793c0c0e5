using DevAddr.Core.Model;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// Inputs libvirt defines but QEMU or the guest cannot fully use (or libvirt cannot define again), found by the property tests. Every plan passes
/// the validator before it is returned: where QEMU cannot start the guest (an error rule) the planner refuses with
/// <c>unusable-layout</c>; where the guest runs but cannot use a device (a warning rule other than the budgets:
/// busnr-space, pci-function-zero) the plan reproduces libvirt and carries the warning. Either outcome for a request
/// no entry here explains fails the tests (it would be a planner bug). Each entry names a minimal request and what
/// libvirt 9.0 (tools/oracle/libvirt-expand) does.
/// An entry with <c>Crashes</c> is a planner crash not fixed yet (none at present).
/// </summary>
internal static class UnusableInputs
{
    /// <summary>A known pattern: its id, what goes wrong with a minimal repro, which requests may hit it, and whether the planner throws.</summary>
    public sealed record Bug(string Id, string Description, Func<PlanRequest, bool> Applies, bool Crashes = false);

    private static bool Any(PlanRequest r, Func<Device, bool> p) => r.Devices.Any(d => d is not null && p(d));

    /// <summary>Whether the machine's chipset holds function 0 of that slot (pc 00:01, q35 00:1f).</summary>
    private static bool ChipsetSlot(PlanRequest r, PciAddress a) =>
        a.Bus == 0 && Core.Catalog.DeviceCatalog.Default.FindMachine(r.Machine.Arch, r.Machine.Type) is { } m &&
        m.ReservedAddresses.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"00:{a.Slot:x2}.0"), StringComparer.OrdinalIgnoreCase);

    public static readonly IReadOnlyList<Bug> All =
    [
        new("spapr-vio-elsewhere",
            "an ibmvscsi SCSI controller or a spapr-vlan NIC on a machine without the spapr-vio bus (not pseries) is put on spapr-vio " +
            "(reg 0x2000, 0x1000); libvirt 9.0 defines it (its spapr-vio pass does not look at the machine), QEMU has no such device " +
            "there. Repro: q35 + {kind: controller, type: scsi, model: ibmvscsi} (checked live)",
            r => !(Core.Catalog.DeviceCatalog.Default.FindMachine(r.Machine.Arch, r.Machine.Type)?.SpaprVio ?? false) &&
                 Any(r, d => d is { Kind: "controller", Type: "scsi", Model: "ibmvscsi" } or { Kind: "interface", Model: "spapr-vlan" })),
        new("usb-net-address",
            "a usb-net NIC given a USB address keeps it unchecked and unreserved (on a bus without USB controller, or on a port another device " +
            "takes); libvirt 9.0 does the same (its USB pass skips interfaces; without an address it fails: 'connect flags 00'). " +
            "Repro: q35 + {kind: controller, type: usb, model: none, index: 0} + {kind: interface, type: user, model: usb-net, address: {type: usb, bus: 0, port: '1'}}",
            r => Any(r, d => d.Kind == "interface" && d.Model == "usb-net" && d.Address is UsbAddress)),
        new("usb-none-not-first",
            "a USB controller of model none with an index other than 0, in a guest with a device that needs USB: libvirt adds a default USB " +
            "controller at index 0 beside it, and refuses its own result when it is defined again ('Can't add another USB controller: USB " +
            "is disabled for this domain'); libvirt 9.0 and 11.3 alike, so the plan fed back as a request is refused too. " +
            "Repro: pc + {kind: controller, type: usb, model: none, index: 1} + {kind: smartcard, type: host} (checked live)",
            r => Any(r, d => d is { Kind: "controller", Type: "usb", Model: "none" } && (d.Index ?? 0) != 0)),
        new("pci-switch-cycle",
            "a pcie-switch-upstream-port and a pcie-switch-downstream-port are placed on each other's buses (a cycle, unreachable from the root); " +
            "libvirt 9.0 does the same, QEMU cannot build it. Repro: pc + {kind: controller, type: pci, model: pcie-switch-upstream-port, index: 8} + " +
            "{kind: controller, type: pci, model: pcie-switch-downstream-port, index: 6}",
            r => Any(r, d => d.Kind == "controller" && d.Model == "pcie-switch-upstream-port") && Any(r, d => d.Kind == "controller" && d.Model == "pcie-switch-downstream-port")),
        new("busnr-space",
            "expander busNr values leave too few bus numbers for the bridges and ports below or behind them (user busNr, or libvirt's automatic " +
            "lowest-2 with more than one bridge behind an expander); libvirt 9.0 accepts, the guest firmware cannot number the buses. " +
            "Repro: pc + {kind: controller, type: pci, model: pci-expander-bus, index: 7, controller: {busNr: 1}} + {kind: controller, type: pci, model: pci-bridge, index: 1}",
            r => Any(r, d => d.Kind == "controller" && d.Model is "pci-expander-bus" or "pcie-expander-bus")),
        new("lone-function",
            "a user PCI address at function != 0 marked multifunction='on' (or sharing its slot) with nothing at function 0 is planned; " +
            "libvirt 9.0 accepts it, guests do not see the slot; likewise an ich9 USB2 set without ich9-uhci1. Repro: pc + {kind: sound, model: ich6, address: {type: pci, bus: 0, slot: 5, function: 6, multifunction: true}}",
            r => Any(r, d => d.Address is PciAddress { Function: not 0 } a && !ChipsetSlot(r, a) &&
                             !Any(r, o => o.Address is PciAddress { Function: 0 } z && z.Domain == a.Domain && z.Bus == a.Bus && z.Slot == a.Slot))
                 // An ich9 USB2 set without its function-0 member: libvirt puts ich9-ehci1 at function 7 and
                 // ich9-uhci2/3 at 1/2 of one slot and leaves function 0 empty.
                 || Any(r, d => d is { Kind: "controller", Type: "usb", Model: "ich9-ehci1" or "ich9-uhci2" or "ich9-uhci3" } &&
                                !Any(r, o => o is { Kind: "controller", Type: "usb", Model: "ich9-uhci1" } && (o.Index ?? 0) == (d.Index ?? 0)))),
    ];

    /// <summary>The first known bug that applies to a request, or null.</summary>
    public static Bug? Match(PlanRequest request) => All.FirstOrDefault(b => b.Applies(request));

    /// <summary>Plans a request; an exception that a known crash bug explains gives null (counted in <paramref name="run"/>).</summary>
    public static Core.Model.PlanResult? PlanOrKnownCrash(PlanRequest request, FuzzRun run)
    {
        try
        {
            return Core.AddressPlanner.Plan(request);
        }
        catch (Exception) when (All.FirstOrDefault(b => b.Crashes && b.Applies(request)) is { } bug)
        {
            run.Note("known policy bug (crash): " + bug.Id);
            return null;
        }
    }
}
