using System.Globalization;
using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Topology;

namespace DevAddr.Solver;

/// <summary>How a unit attaches: behind a root port (hotplug on/off), integrated on the root bus, in a
/// conventional PCI bridge slot, in a pci-root slot, or in a slot of a pci-expander-bus.</summary>
internal enum Attach { Stay, RootPort, RootPortOff, Integrated, Bridge, Root, Expander, SwitchPort }

/// <summary>
/// A placement class: an attachment kind within a group (the main hierarchy, a NUMA node's expander bus, or the
/// expander bus of a host root complex), and for <see cref="Attach.SwitchPort"/> the guest switch.
/// </summary>
internal readonly record struct PlacementClass(Attach Attach, int Node, int Switch = PlacementClass.NoSwitch)
{
    public const int Main = -1;
    public const int NoSwitch = -1;
    public bool IsMain => Node == Main;
    public bool IsPcie => Attach is Attach.RootPort or Attach.RootPortOff or Attach.Integrated or Attach.SwitchPort;
    public bool Hotpluggable(bool rootHotplug) => Attach switch
    {
        Attach.RootPort or Attach.Bridge or Attach.Expander or Attach.SwitchPort => true,
        Attach.Root => rootHotplug,
        _ => false,
    };
    public override string ToString() =>
        $"{Attach}{(IsMain ? "" : "@node" + Node.ToString(CultureInfo.InvariantCulture))}{(Switch == NoSwitch ? "" : "@switch" + Switch.ToString(CultureInfo.InvariantCulture))}";
}

/// <summary>One placement unit: a device, or a group of devices sharing one multifunction slot.</summary>
internal sealed class PlacementUnit
{
    public PlacementUnit(int index, IReadOnlyList<PciItem> items, Tunables? global)
    {
        Index = index;
        Items = items;
        T? First<T>(Func<DeviceTunables, T?> pick) where T : class =>
            items.Select(i => i.Device.Tunables is { } t ? pick(t) : null).FirstOrDefault(v => v is not null);
        NumaNode = First(t => t.NumaNode);
        BusKind = First(t => t.BusKind) ?? global?.BusKind;
        Hotpluggable = First(t => t.Hotpluggable) ?? global?.Hotpluggable;
        PortReserve = First(t => t.PortReserve);
        P2pGroup = First(t => t.P2pGroup);
        Host = items[0].Host;
        foreach (var bar in items.SelectMany(i => i.Bars))
        {
            long size = ParseSize(bar.Size);
            switch (bar.Kind)
            {
                case "io": HasIo = true; break;
                case "mem64pref": Mem64 += size; break;
                default: Mem32 += size; break;
            }
        }
    }

    public int Index { get; }
    public IReadOnlyList<PciItem> Items { get; }
    /// <summary>Where the (single-device) unit sits now, when it is an existing device that may move.</summary>
    public PciAddress? PriorAddress => Items.Count == 1 ? Items[0].PriorAddress : null;
    /// <summary>The class of the place it sits in now (set by the model builder).</summary>
    public PlacementClass? PriorClass { get; set; }
    public string Id => Items[0].Device.Id;
    public Tunable<int>? NumaNode { get; }
    public Tunable<string>? BusKind { get; }
    public Tunable<bool>? Hotpluggable { get; }
    /// <summary>Resources to reserve on the unit's own root port (the port is one the plan adds).</summary>
    public PortReserve? PortReserve { get; }
    public bool HasIo { get; }
    public long Mem32 { get; }
    public long Mem64 { get; }
    /// <summary>Devices sharing a guest switch with this one (per-device tunable).</summary>
    public Tunable<string>? P2pGroup { get; }
    /// <summary>The host function of a passed-through unit (its first device), with a host topology.</summary>
    public HostPciFunction? Host { get; }

    /// <summary>
    /// The 64-bit prefetchable window a port gives this unit, as the firmware sizes it: the sum of its 64-bit
    /// prefetchable BARs rounded up to a multiple of the largest (and to 1 MiB); 0 without such BARs.
    /// </summary>
    public long Window64 => FirmwareWindow(Items.SelectMany(i => i.Bars).Where(b => b.Kind == "mem64pref"));
    /// <summary>The 32-bit memory window a port gives this unit (every memory BAR that is not 64-bit prefetchable), sized the same way.</summary>
    public long Window32 => FirmwareWindow(Items.SelectMany(i => i.Bars).Where(b => b.Kind is not ("mem64pref" or "io")));
    /// <summary>The alignment of <see cref="Window64"/>: its largest BAR (at least 1 MiB); 0 without 64-bit BARs.</summary>
    public long Alignment64 => Alignment(Items.SelectMany(i => i.Bars).Where(b => b.Kind == "mem64pref"));

    private const long MiB = 1L << 20;

    private static long Alignment(IEnumerable<BarSpec> bars)
    {
        long max = 0;
        foreach (var b in bars) max = Math.Max(max, ParseSize(b.Size));
        return max == 0 ? 0 : Math.Max(max, MiB);
    }

    private static long FirmwareWindow(IEnumerable<BarSpec> bars)
    {
        var list = bars.ToList();
        long align = Alignment(list);
        if (align == 0) return 0;
        return AlignUp(list.Sum(b => ParseSize(b.Size)), align);
    }

    /// <summary>A window holding windows or BARs of these sizes and alignments, as the firmware sizes a bridge window.</summary>
    internal static long AlignUp(long sum, long align) => align == 0 ? sum : (sum + align - 1) / align * align;

    public bool PcieCapable => Items.All(i => (i.Flags & ConnectFlags.PcieDevice) != 0);
    public bool IntegratedOnly => Items.Any(i => (i.Flags & ConnectFlags.Integrated) != 0);

    internal static long ParseSize(string text) =>
        TryParseSize(text, out long size) ? size : throw new ArgumentException($"invalid BAR size '{text}'");

    /// <summary>A size in bytes with an optional K, M, G or T suffix (powers of 1024); false when it is not one.</summary>
    internal static bool TryParseSize(string? text, out long size)
    {
        size = 0;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text)) return false;
        long mult = 1;
        char last = char.ToUpperInvariant(text[^1]);
        if (last is 'K' or 'M' or 'G' or 'T')
        {
            mult = last switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L << 40 };
            text = text[..^1];
        }
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n <= 0 || n > (1L << 50) / mult)
            return false;
        size = n * mult;
        return true;
    }

    private const string HostSlotPrefix = "\u0001host-slot:";

    /// <summary>
    /// With <c>wholeIommuGroups</c>, the functions of one host device (same host slot) in one IOMMU group share one guest
    /// slot: an implicit multifunction group, functions in host function order.
    /// </summary>
    private static string? HostSlotGroup(PciItem item, Tunables? global)
    {
        if (global?.WholeIommuGroups is not { Value: true } || item.Host is not { IommuGroup: int group } host) return null;
        string address = Core.Host.HostTopologyIndex.Normalize(host.Address)!;
        return string.Create(CultureInfo.InvariantCulture, $"{HostSlotPrefix}{group}:{address[..^2]}");
    }

    /// <summary>Groups items into units: devices sharing a tunables group name become one unit (up to 8 functions).</summary>
    public static IReadOnlyList<PlacementUnit> Build(IReadOnlyList<PciItem> items, Tunables? global, out PlanError? error)
    {
        error = null;
        var units = new List<PlacementUnit>();
        var groups = new Dictionary<string, List<PciItem>>(StringComparer.Ordinal);
        var order = new List<object>();
        foreach (var item in items)
        {
            string? g = item.Device.Tunables?.Group ?? HostSlotGroup(item, global);
            if (g is null) { order.Add(item); continue; }
            if (!groups.TryGetValue(g, out var list)) { groups[g] = list = []; order.Add(g); }
            list.Add(item);
        }
        foreach (var item in items)
        {
            foreach (var bar in item.Device.Tunables?.Bars ?? [])
            {
                if (bar is null || !TryParseSize(bar.Size, out _) || bar.Kind is not ("io" or "mem32" or "mem32pref" or "mem64" or "mem64pref"))
                {
                    error = new PlanError
                    {
                        Code = ErrorCodes.InvalidInput, Rule = "bar-size", DeviceId = item.Device.Id,
                        Message = $"device '{item.Device.Id}' has BAR '{bar?.Size}' '{bar?.Kind}': a BAR needs a size up to 1 PiB (e.g. 16M, 16G) and a kind (io, mem32, mem32pref, mem64, mem64pref)",
                    };
                    return [];
                }
            }
        }
        foreach (var o in order)
        {
            var list = o is string g ? groups[g] : [(PciItem)o];
            if (o is string hostSlot && hostSlot.StartsWith(HostSlotPrefix, StringComparison.Ordinal))
                list = [.. list.OrderBy(i => Core.Host.HostTopologyIndex.Normalize(i.Host!.Address), StringComparer.Ordinal)];
            if (list.Count > 8)
            {
                error = new PlanError
                {
                    Code = ErrorCodes.InvalidInput, Rule = "group-size", DeviceId = list[8].Device.Id,
                    Message = $"multifunction group '{o}' has {list.Count} devices; a slot has 8 functions",
                };
                return [];
            }
            units.Add(new PlacementUnit(units.Count, list, global));
        }
        return units;
    }
}
