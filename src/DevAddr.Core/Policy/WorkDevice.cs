using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Policy;

/// <summary>The planner's mutable working copy of a device.</summary>
internal sealed class WorkDevice
{
    /// <summary>A working copy of <paramref name="d"/>, under another id when <paramref name="id"/> is given.</summary>
    public WorkDevice(Device d, int order, string? id = null)
    {
        Id = id ?? d.Id;
        Kind = d.Kind;
        Type = d.Type;
        Model = d.Model;
        Bus = d.Bus;
        Target = d.Target;
        Index = d.Index;
        Address = d.Address;
        Controller = d.Controller;
        Host = d.Host;
        Primary = d.Primary;
        Added = d.Added;
        Reason = d.Reason;
        Tunables = d.Tunables;
        Order = order;
    }

    /// <summary>A device the planner adds (after every device of the request), with the fields an added device starts with.</summary>
    public WorkDevice(string id, string kind, string? type, string? model, int? index, string reason)
    {
        Id = id;
        Kind = kind;
        Type = type;
        Model = model;
        Index = index;
        Added = true;
        Reason = reason;
        Order = int.MaxValue;
    }

    public string Id { get; set; }
    public string Kind { get; }
    public string? Type { get; set; }
    public string? Model { get; set; }
    public string? Bus { get; set; }
    public string? Target { get; }
    public int? Index { get; set; }
    public DeviceAddress? Address { get; set; }
    public ControllerOptions? Controller { get; set; }
    public HostDevice? Host { get; }
    public bool? Primary { get; set; }
    public DeviceTunables? Tunables { get; }
    public bool Added { get; set; }
    public string? Reason { get; set; }
    public int Order { get; }

    /// <summary>The catalog rule for this device (resolved after models are defaulted).</summary>
    public DeviceModelRule Rule
    {
        get => _rule;
        set
        {
            _rule = value;
            PassRank = -2;
        }
    }

    private DeviceModelRule _rule = null!;

    /// <summary>The rank of the rule's PCI placement pass in the catalog's pass order (-1: none; -2: not known yet).</summary>
    public int PassRank { get; set; } = -2;
    public ConnectFlags PciFlags { get; set; }

    /// <summary>The position of this device's kind in libvirt's iteration order (computed once: the kind never changes).</summary>
    public int IterationRank => _iterationRank >= 0 ? _iterationRank : _iterationRank = Libvirt.LibvirtPolicy.IterationRank(Kind);
    private int _iterationRank = -1;

    public bool IsController => Kind == "controller";
    public bool IsPciController => Kind == "controller" && Type == "pci";
    public int Idx => Index ?? 0;

    public PciAddress? Pci => Address as PciAddress;

    /// <summary>libvirt's "wants a PCI address": none given, or a PCI address whose domain, bus and slot are all 0.</summary>
    public bool PciWanted => Address is null || Address is PciAddress { Domain: 0, Bus: 0, Slot: 0 };

    /// <summary>libvirt's "has a PCI address": a PCI address with any of domain, bus, slot non-zero.</summary>
    public bool PciPresent => Address is PciAddress p && (p.Domain != 0 || p.Bus != 0 || p.Slot != 0);

    public ControllerOptions Options => Controller ??= new ControllerOptions();

    public Device ToDevice() => new()
    {
        Id = Id,
        Kind = Kind,
        Type = Type,
        Model = Model,
        Bus = Bus,
        Target = Target,
        Index = Index,
        Address = Address,
        Controller = Controller,
        Host = Host,
        Primary = Primary,
        Tunables = Tunables,
        Added = Added,
        Reason = Reason,
    };

    public override string ToString() => $"{Kind}{(Type is null ? "" : "/" + Type)}{(Model is null ? "" : "/" + Model)} '{Id}'";
}
