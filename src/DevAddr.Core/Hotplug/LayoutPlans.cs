using DevAddr.Core.Model;

namespace DevAddr.Core.Hotplug;

/// <summary>Builds the plan of a changed live layout: devices in the catalog's plan order, the summary counted again.</summary>
internal static class LayoutPlans
{
    public static Plan Of(LiveLayout layout)
    {
        var order = layout.Catalog.PlanOrder;
        int Rank(string kind)
        {
            for (int k = 0; k < order.Count; k++)
                if (order[k] == kind) return k;
            return order.Count;
        }
        var devices = layout.Devices.Select((d, pos) => (d, pos)).OrderBy(x => Rank(x.d.Kind)).ThenBy(x => x.pos).Select(x => x.d).ToList();
        return layout.Plan with
        {
            Devices = devices,
            Summary = Summary(layout, devices),
            Stability = null,
        };
    }

    /// <summary>The plan summary, counted the way the libvirt policy counts it (free hot-pluggable places, free ports).</summary>
    private static PlanSummary Summary(LiveLayout layout, IReadOnlyList<Device> devices)
    {
        int freeSlots = 0, freePorts = 0;
        foreach (var (index, c) in layout.PciControllers)
        {
            var model = layout.BusModel(index);
            if (model is null || !model.Hotplug || c.Controller?.Hotplug == false) continue;
            var bus = layout.Set.Buses[index];
            int free = 0;
            for (int s = model.MinSlot; s <= model.MaxSlot; s++)
                if (bus.Functions[s] == 0) free++;
            if (model.AggregateSlot || model.Model == "pcie-switch-downstream-port") freePorts += free;
            freeSlots += free;
        }
        return new PlanSummary
        {
            Devices = devices.Count,
            Added = devices.Count(d => d.Added),
            PciBuses = layout.PciControllers.Count,
            RootPorts = layout.PciControllers.Values.Count(c => c.Model == "pcie-root-port"),
            FreeHotplugSlots = freeSlots,
            FreeRootPorts = freePorts,
        };
    }

    /// <summary>"2/3 devices can be hot-plugged: 1× no-free-slot, 1× bus-kind" (reasons counted once per device, sorted).</summary>
    public static string Summarize(int ok, int total, string verb, IEnumerable<IReadOnlyList<HotplugReason>> reasons)
    {
        var counts = reasons.SelectMany(r => r.Select(x => x.Code).Distinct())
            .GroupBy(c => c, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => LiveLayout.Inv($"{g.Count()}× {g.Key}"))
            .ToList();
        string head = LiveLayout.Inv($"{ok}/{total} device{(total == 1 ? "" : "s")} can be {verb}");
        return counts.Count == 0 ? head : head + ": " + string.Join(", ", counts);
    }
}
