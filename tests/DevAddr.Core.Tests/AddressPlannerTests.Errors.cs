using DevAddr.Core.Model;
using DevAddr.Core.Serialization;

namespace DevAddr.Core.Tests;

/// <summary>Requests the planner must refuse, with the code, rule, device and (libvirt's) message of the refusal.</summary>
public sealed partial class AddressPlannerTests
{
    [Fact]
    public void Plan_TwoDevicesOnOnePciAddress_ReturnsDoubleUseError()
    {
        var error = Failed(Request("pc", Nic("a", "virtio", Pci(0, 3)), Nic("b", "e1000", Pci(0, 3))));

        Assert.Equal((ErrorCodes.AddressConflict, "pci-address-unique", "b"), (error.Code, error.Rule, error.DeviceId));
        Assert.Equal("Attempted double use of PCI Address 0000:00:03.0", error.Message);
    }

    [Fact]
    public void Plan_DeviceOnChipsetSlot_ReturnsDoubleUseError()
    {
        var error = Failed(Request("q35", Nic("a", "virtio", Pci(0, 0x1f, 2))));

        Assert.Equal((ErrorCodes.AddressConflict, "pci-address-unique"), (error.Code, error.Rule));
        Assert.Contains("0000:00:1f.2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_SlotBeyond31_ReturnsAddressRangeError()
    {
        var error = Failed(Request("pc", Nic("a", "virtio", Pci(0, 32))));

        Assert.Equal((ErrorCodes.AddressConflict, "pci-address-range", "a"), (error.Code, error.Rule, error.DeviceId));
        Assert.Contains("slot 0-31", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("slot", """{ "type": "pci", "domain": 0, "bus": 0, "slot": -1, "function": 0 }""")]
    [InlineData("bus", """{ "type": "pci", "bus": -2 }""")]
    [InlineData("function", """{ "type": "pci", "bus": 0, "slot": 3, "function": 9 }""")]
    public void Plan_NegativeOrTooLargePciField_NamesTheFieldAndTheAllowedValues(string field, string address)
    {
        var (request, readError) = PlanJson.ReadRequest(
            $$$"""{ "machine": { "arch": "x86_64", "type": "pc" }, "devices": [ { "id": "nic", "kind": "interface", "model": "virtio", "address": {{{address}}} } ] }""");
        Assert.Null(readError);

        var error = Failed(request!);

        Assert.Equal((ErrorCodes.AddressConflict, "pci-address-range", "nic"), (error.Code, error.Rule, error.DeviceId));
        Assert.Contains($"PCI address {field} ", error.Message, StringComparison.Ordinal);
        Assert.Contains("slot 0-31, function 0-7", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_SlotBeyondRootPortsOnlySlot_ReturnsSlotRangeError()
    {
        var error = Failed(Request("q35", Controller("rp", "pci", 1, "pcie-root-port"), Nic("a", "virtio", Pci(1, 1))));

        Assert.Equal((ErrorCodes.AddressConflict, "pci-slot-range", "a"), (error.Code, error.Rule, error.DeviceId));
        Assert.Equal("Invalid PCI address 0000:01:01.0. slot must be <= 0", error.Message);
    }

    [Fact]
    public void Plan_PciDomainOne_ReturnsDomainError()
    {
        var error = Failed(Request("pc", Nic("a", "virtio", new PciAddress(1, 0, 3, 0))));

        Assert.Equal((ErrorCodes.AddressConflict, "pci-domain"), (error.Code, error.Rule));
        Assert.Equal("Invalid PCI address 0001:00:03.0. Only PCI domain 0 is available", error.Message);
    }

    [Fact]
    public void Plan_IntegratedDeviceOffTheRootBus_ReturnsIntegratedError()
    {
        var error = Failed(Request("q35", Controller("rp", "pci", 1, "pcie-root-port"), Dev("iommu", "iommu", model: "virtio", address: Pci(1, 0))));

        Assert.Equal((ErrorCodes.AddressConflict, "iommu"), (error.Code, error.DeviceId));
        Assert.Equal("The device at PCI address 0000:01:00.0 needs to be an integrated device (bus=0)", error.Message);
    }

    [Fact]
    public void Plan_IdeDiskOnQ35_ReturnsUnsupported()
    {
        var error = Failed(Request("q35", Disk("hdc", "ide", "cdrom")));

        Assert.Equal((ErrorCodes.Unsupported, "ide-supported"), (error.Code, error.Rule));
        Assert.Equal("IDE controllers are unsupported for this QEMU binary or machine type", error.Message);
    }

    [Fact]
    public void Plan_PrimaryIdeControllerMoved_ReturnsFixedAddressError()
    {
        var error = Failed(Request("pc", Controller("ide", "ide", 0, address: Pci(0, 5))));

        Assert.Equal((ErrorCodes.AddressConflict, "fixed-chipset-address", "ide"), (error.Code, error.Rule, error.DeviceId));
        Assert.Equal("Primary IDE controller must have PCI address 0:0:1.1", error.Message);
    }

    [Theory]
    [InlineData("x86_64", "isapc", "known for x86_64: pc, q35")]
    [InlineData("x86_64", "virt", "known for x86_64: pc, q35")]
    [InlineData("aarch64", "q35", "known for aarch64: virt, vexpress")]
    [InlineData("ppc64le", "virt", "known for ppc64le: pseries")]
    [InlineData("s390x", "pseries", "known for s390x: s390-ccw-virtio")]
    [InlineData("mips", "malta", "known: pc (x86_64/i686), q35 (x86_64/i686), virt (aarch64), virt (armv7l), virt (riscv64), vexpress (armv7l/aarch64), pseries (ppc64/ppc64le), s390-ccw-virtio (s390x)")]
    public void Plan_UnknownMachineType_ReturnsUnknownModelListingTheKnownOnes(string arch, string machine, string known)
    {
        var error = Failed(new PlanRequest { Machine = new MachineSpec(arch, machine) });

        Assert.Equal((ErrorCodes.UnknownModel, "known-machine"), (error.Code, error.Rule));
        Assert.Equal($"unknown machine type '{machine}' for architecture '{arch}' ({known})", error.Message);
    }

    [Fact]
    public void Plan_UnknownPciControllerModel_ReturnsUnknownModel()
    {
        var error = Failed(Request("q35", Controller("c", "pci", 1, "pcie-super-port")));

        Assert.Equal((ErrorCodes.UnknownModel, "c"), (error.Code, error.DeviceId));
        Assert.Contains("pcie-super-port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WrongRootModel_ReturnsUnsupported()
    {
        var error = Failed(Request("q35", Controller("c", "pci", 0, "pci-root")));

        Assert.Equal((ErrorCodes.Unsupported, "pci-root-model"), (error.Code, error.Rule));
    }

    [Fact]
    public void Plan_DuplicateIds_ReturnsInvalidInputNamingTheId()
    {
        var error = Failed(Request("pc", Nic("a", "virtio"), Disk("vda", "virtio") with { Id = "a" }));

        Assert.Equal((ErrorCodes.InvalidInput, "device-id-unique", "a"), (error.Code, error.Rule, error.DeviceId));
        Assert.Equal("duplicate device id 'a'", error.Message);
    }

    [Fact]
    public void Plan_BridgeIndexNotAboveItsBus_ReturnsIndexOrderError()
    {
        var error = Failed(Request("pc", Controller("b1", "pci", 1, "pci-bridge", Pci(2, 1)), Controller("b2", "pci", 2, "pci-bridge", Pci(0, 5))));

        Assert.Equal((ErrorCodes.AddressConflict, "bridge-index-order", "b1"), (error.Code, error.Rule, error.DeviceId));
        Assert.Equal("PCI controller at index 1 (0x01) has bus='0x02', but index must be larger than bus", error.Message);
    }

    [Fact]
    public void Plan_DuplicateUsbPort_ReturnsAddressConflict()
    {
        var error = Failed(Request("q35", Dev("t", "input", "tablet", bus: "usb", address: new UsbAddress(0, "2")), Dev("k", "input", "keyboard", bus: "usb", address: new UsbAddress(0, "2"))));

        Assert.Equal((ErrorCodes.AddressConflict, "usb-address-unique", "k"), (error.Code, error.Rule, error.DeviceId));
    }

    [Fact]
    public void Plan_UsbDeviceWithUsbDisabled_ReturnsInvalidInput()
    {
        var error = Failed(Request("q35", Controller("usb", "usb", 0, "none"), Dev("t", "input", "tablet", bus: "usb")));

        Assert.Equal(ErrorCodes.InvalidInput, error.Code);
        // libvirt refuses a USB input already when parsing a domain whose USB controller is model='none'.
        Assert.Equal("Can't add USB input device. USB bus is disabled", error.Message);
    }

    [Fact]
    public void Plan_MoreDimmsThanMemorySlots_ReturnsNoSpace()
    {
        var error = Failed(Request("q35", Dev("m0", "memory", model: "dimm"), Dev("m1", "memory", model: "dimm")) with { MemorySlots = 1 });

        Assert.Equal((ErrorCodes.NoSpace, "dimm-free-slot", "m1"), (error.Code, error.Rule, error.DeviceId));
    }

    [Fact]
    public void Plan_UnknownPolicy_ReturnsInvalidInput()
    {
        var error = Failed(Request("pc") with { Policy = new PolicySpec { Name = "fancy" } });

        Assert.Equal((ErrorCodes.InvalidInput, "known-policy"), (error.Code, error.Rule));
    }

    [Fact]
    public void Plan_UnknownPolicy_MessageNamesTheFieldAndTheAllowedPolicies()
    {
        var error = Failed(Request("pc") with { Policy = new PolicySpec { Name = "fancy" } });

        Assert.Equal("policy.name: unknown policy 'fancy' (allowed: libvirt, optimize)", error.Message);
    }

    [Theory]
    [InlineData("8.0")]
    [InlineData("9")]
    [InlineData("")]
    [InlineData("1")]
    public void Plan_UnknownPolicyVersion_IsRefusedNamingTheFieldAndTheVersionsThatExist(string version)
    {
        var error = Failed(Request("pc") with { Policy = new PolicySpec { Version = version } });

        Assert.Equal((ErrorCodes.InvalidInput, "known-policy-version"), (error.Code, error.Rule));
        Assert.Equal($"policy.version: '{version}' is not a version of policy 'libvirt' (allowed: 9.0, 11.3; left out: the newest, 11.3)", error.Message);
    }

    [Fact]
    public void Plan_RecordsThePolicyVersion_AndAPinnedVersionGivesTheSamePlan()
    {
        var request = Request("q35", Disk("vda", "virtio"), Dev("nic0", "interface", model: "virtio")) with { Policy = new PolicySpec() };

        var latest = Planned(request);
        var pinned = Planned(request with { Policy = new PolicySpec { Version = "11.3" } });

        Assert.Equal(("libvirt", "11.3"), (latest.Policy, latest.PolicyVersion));
        Assert.Equal(PlanJson.Serialize(latest), PlanJson.Serialize(pinned));
        Assert.Equal(PolicyVersions.Of("libvirt")[^1].Version, latest.PolicyVersion);
    }

    /// <summary>Values the reader accepts but that no plan can hold: refused as results, never thrown.</summary>
    public static TheoryData<string, Device> OutOfRangeDevices() => new()
    {
        { "controller index 256", Controller("c", "scsi", 256) },
        { "negative drive unit", Disk("sda", "sata") with { Address = new DriveAddress(0, 0, 0, -1) } },
        { "drive controller 2^31-1", Disk("sda", "scsi") with { Address = new DriveAddress(int.MaxValue, 0, 0, 0) } },
        { "negative virtio-serial port", Dev("ch", "channel", "virtio", address: new VirtioSerialAddress(0, 0, -1)) },
        { "negative USB ports", Controller("usb", "usb", 0, "qemu-xhci", options: new ControllerOptions { Ports = -1 }) },
        { "too many USB ports", Controller("usb", "usb", 0, "qemu-xhci", options: new ControllerOptions { Ports = 16 }) },
        { "unparsable USB port", Dev("t", "input", "tablet", bus: "usb", address: new UsbAddress(0, "1.x")) },
        { "USB bus without controller", Dev("t", "input", "tablet", bus: "usb", address: new UsbAddress(3, "1")) },
        { "disk name without index", Disk("cdrom", "sata") },
    };

    [Theory]
    [MemberData(nameof(OutOfRangeDevices))]
    public void Plan_OutOfRangeValue_ReturnsErrorNamingTheDevice(string what, Device device)
    {
        var error = Failed(Request("q35", device));

        Assert.True(error.DeviceId == device.Id, $"{what}: {error}");
        Assert.Contains(error.Code, new[] { ErrorCodes.InvalidInput, ErrorCodes.AddressConflict });
        Assert.False(string.IsNullOrWhiteSpace(error.Rule), what);
    }

    [Fact]
    public void Plan_NegativeMemorySlots_ReturnsInvalidInput()
    {
        var error = Failed(Request("q35", Dev("m0", "memory", model: "dimm")) with { MemorySlots = -1 });

        Assert.Equal((ErrorCodes.InvalidInput, "memory-slots-range"), (error.Code, error.Rule));
    }
}
