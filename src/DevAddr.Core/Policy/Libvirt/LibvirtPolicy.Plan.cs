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
        var occupiedBuses = All.Select(d => d.Address).OfType<PciAddress>().Select(a => a.Bus).ToHashSet();
        int freeRootPorts = pci.Count(c => c.Model is "pcie-root-port" or "pcie-switch-downstream-port"
                                            && c.Controller?.Hotplug != false && !occupiedBuses.Contains(c.Idx));
        return new Plan
        {
            Machine = new MachineSpec(_request.Machine.Arch, _machine.Name),
            Policy = _engine is null ? PolicySpec.Libvirt : _request.Policy.Name,
            Solver = _report,
            Devices = devices,
            Summary = new PlanSummary
            {
                Devices = devices.Count,
                Added = devices.Count(d => d.Added),
                PciBuses = pci.Count,
                RootPorts = pci.Count(c => c.Model == "pcie-root-port"),
                FreeHotplugSlots = freeRootPorts,
            },
        };
    }
}
