using DevAddr.Core.Catalog;
using DevAddr.Core.Model;

namespace DevAddr.Core.Hotplug;

/// <summary>
/// The host-to-guest table of passed-through devices (devices with <see cref="Device.Host"/> and a guest PCI
/// address): guest address, PCI path (slot/function chain from the root bus, like Kata's PCI path, independent
/// of guest bus numbering), and the guest BDF as firmware numbers buses.
/// </summary>
internal static class HostMapper
{
    public static (IReadOnlyList<HostMapping>? Mappings, PlanError? Error) Map(Plan plan, DeviceCatalog catalog)
    {
        var (live, error) = LiveLayout.Create(plan, null, catalog, HotplugFacts.Default);
        if (error is not null) return (null, error);
        var rows = new List<HostMapping>();
        foreach (var d in live!.Devices)
        {
            if (d.Host?.Address is not string host || d.Address is not PciAddress a) continue;
            rows.Add(new HostMapping
            {
                DeviceId = d.Id,
                Device = LiveLayout.DescribeDevice(d),
                HostAddress = host,
                GuestAddress = a,
                PciPath = live.PathOf(a),
                GuestBdf = live.GuestBdf(a),
                NumaNode = live.NumaNodeOf(a.Bus),
                Place = live.Describe(a.Bus),
                Switch = live.ControllersAbove(a.Bus).LastOrDefault(c => c.Model == "pcie-switch-upstream-port") is { } up ? Alias(up) : null,
                Upstream = live.ControllersAbove(a.Bus).Select(c => $"{c.Model} {Alias(c)}").ToList(),
            });
        }
        return (rows, null);
    }

    /// <summary>libvirt's alias of a PCI controller.</summary>
    private static string Alias(Device controller) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"pci.{controller.Index ?? 0}");
}
