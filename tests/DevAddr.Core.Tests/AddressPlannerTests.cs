using System.Globalization;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;

namespace DevAddr.Core.Tests;

/// <summary>
/// <see cref="AddressPlanner.Plan(PlanRequest, Catalog.DeviceCatalog?)"/> with the default (libvirt) policy. Every plan a
/// test gets is also checked by the independent validator and against docs/schema/plan.schema.json.
/// </summary>
public sealed partial class AddressPlannerTests
{
    [Fact]
    public void Plan_SameRequestTwice_GivesIdenticalJson()
    {
        var request = Request("q35", Nic("nic0", "virtio"), Nic("nic1", "e1000"), Disk("vda", "virtio"), Disk("sda", "scsi"), Dev("tablet", "input", "tablet", bus: "usb"));

        Assert.Equal(PlanJson.Serialize(Planned(request)), PlanJson.Serialize(Planned(request)));
    }

    [Fact]
    public void Plan_RequestedDevices_KeepTheirFieldsAndAreNotMarkedAdded()
    {
        var plan = Planned(Request("q35", Nic("nic0", "virtio"), Disk("vda", "virtio")));

        var nic = Find(plan, "nic0");
        Assert.False(nic.Added);
        Assert.Null(nic.Reason);
        Assert.Equal(("interface", "virtio"), (nic.Kind, nic.Model));
        Assert.Equal("vda", Find(plan, "vda").Target);
        Assert.All(plan.Devices.Where(d => d.Added), d => Assert.False(string.IsNullOrWhiteSpace(d.Reason)));
        Assert.Equal(plan.Devices.Count(d => d.Added), plan.Summary.Added);
        Assert.Equal(plan.Devices.Count, plan.Summary.Devices);
    }

    [Fact]
    public void Plan_AddressAlreadyGiven_IsKept()
    {
        var plan = Planned(Request("q35", Nic("nic0", "virtio", new PciAddress(0, 0, 5, 0)), Dev("tablet", "input", "tablet", bus: "usb", address: new UsbAddress(0, "3"))));

        Assert.Equal("00:05.0", PciOf(plan, "nic0"));
        Assert.Equal(new UsbAddress(0, "3"), Find(plan, "tablet").Address);
    }

    [Fact]
    public void Plan_UsbAddressWithBusOnly_TakesAFreePortOfThatBus()
    {
        var plan = Planned(Request("q35",
            Dev("kbd", "input", "keyboard", bus: "usb"),
            Dev("tablet", "input", "tablet", bus: "usb", address: new UsbAddress(0)),
            Dev("mouse", "input", "mouse", bus: "usb", address: new UsbAddress(0, "1"))));

        // As libvirt 9.0 does (checked with the live oracle): the given port is reserved first.
        Assert.Equal(new UsbAddress(0, "2"), Find(plan, "kbd").Address);
        Assert.Equal(new UsbAddress(0, "3"), Find(plan, "tablet").Address);
        Assert.Equal(new UsbAddress(0, "1"), Find(plan, "mouse").Address);
    }

    // ---- helpers ----

    /// <summary>A request under libvirt 9.0's rules, the release the worked examples follow (see the libvirt 11.3 tests for its differences).</summary>
    internal static PlanRequest Request(string machine, params Device[] devices) =>
        new() { Machine = new MachineSpec(machine == "virt" ? "aarch64" : "x86_64", machine), Devices = devices, Policy = new PolicySpec { Version = "9.0" } };

    internal static Device Dev(string id, string kind, string? type = null, string? model = null, string? bus = null, string? target = null,
        int? index = null, DeviceAddress? address = null, ControllerOptions? options = null) =>
        new() { Id = id, Kind = kind, Type = type, Model = model, Bus = bus, Target = target, Index = index, Address = address, Controller = options };

    internal static Device Nic(string id, string model, DeviceAddress? address = null) => Dev(id, "interface", model: model, address: address);

    /// <summary>A disk whose id is its target name (vda, sdb, hdc).</summary>
    internal static Device Disk(string target, string bus, string? type = null) => Dev(target, "disk", type, bus: bus, target: target);

    internal static Device Controller(string id, string type, int index, string? model = null, DeviceAddress? address = null, ControllerOptions? options = null) =>
        Dev(id, "controller", type, model, index: index, address: address, options: options);

    internal static PciAddress Pci(int bus, int slot, int function = 0) => new(0, bus, slot, function);

    /// <summary>Plans a request that must succeed, and checks the plan with the validator and the plan schema.</summary>
    internal static Plan Planned(PlanRequest request)
    {
        var result = AddressPlanner.Plan(request);
        if (result is PlanResult.Failure f) Assert.Fail($"planning failed: {f.Error}");
        var plan = ((PlanResult.Success)result).Plan;
        Assert.Empty(AddressPlanner.Validate(plan));
        Assert.Empty(Schemas.Errors(Schemas.Plan, PlanJson.Serialize(plan)));
        return plan;
    }

    /// <summary>Plans a request that must fail; returns the error.</summary>
    internal static PlanError Failed(PlanRequest request) => Assert.IsType<PlanResult.Failure>(AddressPlanner.Plan(request)).Error;

    internal static Device Find(Plan plan, string id) => plan.Devices.Single(d => d.Id == id);

    /// <summary>The controller of that type and index.</summary>
    internal static Device ControllerOf(Plan plan, string type, int index) =>
        plan.Devices.Single(d => d.Kind == "controller" && d.Type == type && d.Index == index);

    internal static Device Single(Plan plan, string kind) => plan.Devices.Single(d => d.Kind == kind);

    /// <summary>A PCI address as libvirt examples write it: <c>bus:slot.function</c> in hex, " m" for multifunction='on'.</summary>
    internal static string Text(DeviceAddress? address) => address switch
    {
        PciAddress a => string.Create(CultureInfo.InvariantCulture, $"{a.Bus:x2}:{a.Slot:x2}.{a.Function:x}{(a.Multifunction == true ? " m" : "")}"),
        DriveAddress a => string.Create(CultureInfo.InvariantCulture, $"{a.Controller}:{a.Bus}:{a.Target}:{a.Unit}"),
        UsbAddress a => string.Create(CultureInfo.InvariantCulture, $"usb {a.Bus}:{a.Port}"),
        VirtioSerialAddress a => string.Create(CultureInfo.InvariantCulture, $"{a.Controller}:{a.Bus}:{a.Port}"),
        null => "none",
        _ => address.ToString(),
    };

    internal static string PciOf(Plan plan, string id) => Text(Find(plan, id).Address);

    /// <summary>The pcie-root-ports: (index, address, chassis, port), by index.</summary>
    internal static IEnumerable<(int Index, string Address, int? Chassis, int? Port)> RootPorts(Plan plan) =>
        plan.Devices.Where(d => d.Model == "pcie-root-port").OrderBy(d => d.Index)
            .Select(d => (d.Index!.Value, Text(d.Address), d.Controller?.Chassis, d.Controller?.Port));

    /// <summary>Root ports auto-added in one multifunction slot: indexes first..last at 00:slot.0 (m) onwards, chassis = index, port = slot&lt;&lt;3|function.</summary>
    internal static IEnumerable<(int Index, string Address, int? Chassis, int? Port)> PackedRootPorts(int firstIndex, int slot, int count, int firstFunction = 0) =>
        Enumerable.Range(0, count).Select(i =>
        {
            int function = firstFunction + i;
            string m = function == 0 ? " m" : "";
            return (firstIndex + i, string.Create(CultureInfo.InvariantCulture, $"00:{slot:x2}.{function}{m}"), (int?)(firstIndex + i), (int?)(slot << 3 | function));
        });
}
