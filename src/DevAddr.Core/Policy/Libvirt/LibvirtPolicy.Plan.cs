using DevAddr.Core.Model;

namespace DevAddr.Core.Policy.Libvirt;

internal sealed partial class LibvirtPolicy
{
    private Plan BuildPlan()
    {
        var order = _catalog.PlanOrder;
        int Rank(string kind)
        {
            int i = -1;
            for (int k = 0; k < order.Count; k++)
                if (order[k] == kind) { i = k; break; }
            return i < 0 ? order.Count : i;
        }
        var devices = _controllers.Concat(_devices)
            .Select((d, pos) => (d, pos))
            .OrderBy(x => Rank(x.d.Kind))
            .ThenBy(x => x.d.IsController ? x.pos : (x.d.Kind == "video" ? (x.d.Primary == true ? -1 : x.pos) : x.pos))
            .Select(x => x.d.ToDevice())
            .ToList();

        var pci = _controllers.Where(c => c.IsPciController).ToList();
        var used = All.Select(d => d.Address).OfType<PciAddress>().GroupBy(a => a.Bus)
            .ToDictionary(g => g.Key, g => g.Select(a => a.Slot).ToHashSet());
        foreach (var text in _machine.ReservedAddresses)
            if (Catalog.RootAddress.TryParse(text, out var r))
                (used.TryGetValue(r.Bus, out var set) ? set : used[r.Bus] = []).Add(r.Slot);
        int freeRootPorts = 0, freeSlots = 0;
        foreach (var c in pci)
        {
            var model = _catalog.FindPciController(c.Model!);
            if (model is null || !model.Hotplug || c.Controller?.Hotplug == false) continue;
            int free = Enumerable.Range(model.MinSlot, model.MaxSlot - model.MinSlot + 1)
                .Count(s => !(used.TryGetValue(c.Idx, out var u) && u.Contains(s)));
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
                Added = devices.Count(d => d.Added),
                PciBuses = pci.Count,
                RootPorts = pci.Count(c => c.Model == "pcie-root-port"),
                FreeHotplugSlots = freeSlots,
                FreeRootPorts = freeRootPorts,
            },
        };
    }
}
