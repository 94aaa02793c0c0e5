using DevAddr.Core.Topology;

namespace DevAddr.Core.Catalog;

/// <summary>What the planner derives from a PCI controller model (see <see cref="DeviceCatalog.PciControllerInfo"/>).</summary>
internal sealed class PciControllerInfo
{
    public PciControllerInfo(PciControllerModel model)
    {
        Model = model;
        Rule = new DeviceModelRule { Kind = "controller", Type = "pci", Model = model.Model, Connect = "none", Pass = "pci-controller" };
        Upstream = model.Is == "none" ? ConnectFlags.None
            : ConnectTypes.Parse(model.Is) | (model.AggregateSlot ? ConnectFlags.AggregateSlot : ConnectFlags.None);
        var accepts = ConnectFlags.None;
        foreach (var t in model.Accepts) accepts |= ConnectTypes.Parse(t);
        if (model.AutoAssign) accepts |= ConnectFlags.AutoAssign;
        Accepts = accepts;
    }

    /// <summary>The model.</summary>
    public PciControllerModel Model { get; }

    /// <summary>The device rule of a controller of this model (no PCI attachment rule of its own: it is placed in the PCI controller pass).</summary>
    public DeviceModelRule Rule { get; }

    /// <summary>The flags of its own upstream connection (None for a root).</summary>
    public ConnectFlags Upstream { get; }

    /// <summary>What its slots accept, with auto-assignment; hotplug is added per bus (it can be turned off).</summary>
    public ConnectFlags Accepts { get; }
}
