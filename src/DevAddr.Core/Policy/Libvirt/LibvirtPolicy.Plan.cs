using DevAddr.Core.Model;

namespace DevAddr.Core.Policy.Libvirt;

internal sealed partial class LibvirtPolicy
{
    private Plan BuildPlan()
    {
        // Devices in the catalog's kind order.
        var catalog = _catalog;
        var work = SortedByKind((d, _) => catalog.PlanRank(d.Kind));
        int n = work.Count;
        var devices = new List<Device>(n);
        int added = 0;
        foreach (var d in work)
        {
            devices.Add(d.ToDevice());
            if (d.Added) added++;
        }

        // Slots taken per bus (any domain, as libvirt counts them here), one bit per slot 0-31.
        int buses = 0;
        foreach (var d in work)
            if (d.Address is PciAddress { Slot: >= 0 and < 32 } a) buses = Math.Max(buses, a.Bus + 1);
        foreach (var c in _controllers)
            if (c.IsPciController) buses = Math.Max(buses, c.Idx + 1);
        Span<uint> used = buses <= 256 ? stackalloc uint[256] : new uint[buses];
        foreach (var d in work)
        {
            if (d.Address is PciAddress { Slot: >= 0 and < 32 } a)
                used[a.Bus] |= 1u << a.Slot;
        }
        foreach (var text in _machine.ReservedAddresses)
            if (Catalog.RootAddress.TryParse(text, out var r) && r.Slot is >= 0 and < 32 && r.Bus < buses)
                used[r.Bus] |= 1u << r.Slot;
        int freeRootPorts = 0, freeSlots = 0, pciBuses = 0, rootPorts = 0;
        foreach (var c in _controllers)
        {
            if (!c.IsPciController) continue;
            pciBuses++;
            if (c.Model == "pcie-root-port") rootPorts++;
            var model = _catalog.FindPciController(c.Model!);
            if (model is null || !model.Hotplug || c.Controller?.Hotplug == false) continue;
            uint taken = used[c.Idx];
            int free = 0;
            for (int slot = model.MinSlot; slot <= model.MaxSlot; slot++)
                if (slot is < 0 or >= 32 || (taken & (1u << slot)) == 0) free++;
            if (model.AggregateSlot || model.Model == "pcie-switch-downstream-port") freeRootPorts += free;
            freeSlots += free;
        }
        return new Plan
        {
            Machine = new MachineSpec(_request.Machine.Arch, _machine.Name),
            Policy = _version.Policy,
            PolicyVersion = _version.Version,
            LibvirtVersion = _version.Policy == PolicySpec.Libvirt ? null : _rules.Version,
            Solver = _report,
            Devices = devices,
            Summary = new PlanSummary
            {
                Devices = devices.Count,
                Added = added,
                PciBuses = pciBuses,
                RootPorts = rootPorts,
                FreeHotplugSlots = freeSlots,
                FreeRootPorts = freeRootPorts,
            },
        };
    }
}
