using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Libvirt;

namespace DevAddr.Hotplug.Tests;

/// <summary>Reading the devices to add (JSON, YAML, libvirt XML) and reserves.</summary>
public sealed class HotplugJsonTests
{
    [Fact]
    public void ReadDevices_JsonListYamlAndRequestObject_ReadTheSameDevices()
    {
        const string json = """[ { "id": "nic1", "kind": "interface", "model": "virtio" }, { "id": "gpu", "kind": "hostdev", "type": "pci", "host": { "address": "0000:3b:00.0" }, "tunables": { "bars": [ { "size": "16G", "kind": "mem64pref" } ] } } ]""";
        const string yaml = """
            - id: nic1
              kind: interface
              model: virtio
            - id: gpu
              kind: hostdev
              type: pci
              host: { address: "0000:3b:00.0" }
              tunables: { bars: [ { size: 16G, kind: mem64pref } ] }
            """;
        string request = $$"""{ "devices": {{json}} }""";

        var a = HotplugJson.ReadDevices(json).Devices!;
        var b = HotplugJson.ReadDevices(yaml).Devices!;
        var c = HotplugJson.ReadDevices(request).Devices!;

        Assert.Equal(HotplugJson.Serialize(a), HotplugJson.Serialize(b));
        Assert.Equal(HotplugJson.Serialize(a), HotplugJson.Serialize(c));
        Assert.Equal("16G", a[1].Tunables!.Bars![0].Size);
    }

    [Theory]
    [InlineData("""{ "id": "x" }""", "expected a list")]
    [InlineData("""[ { "id": "x", "kind": "disk", "colour": "red" } ]""", "malformed device list")]
    [InlineData("- id: [", "malformed YAML")]
    public void ReadDevices_BadInput_ReturnsInvalidInput(string text, string message)
    {
        var (devices, error) = HotplugJson.ReadDevices(text);

        Assert.Null(devices);
        Assert.Equal(ErrorCodes.InvalidInput, error!.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseReserve_AllNames_ReadsBytes()
    {
        var (index, reserve, error) = HotplugJson.ParseReserve("4:pref64=16G,mem-reserve=32M,io=0");

        Assert.Null(error);
        Assert.Equal(4, index);
        Assert.Equal(new PortReserve { Pref64 = 16L << 30, Mem = 32L << 20, Io = 0 }, reserve);
    }

    [Theory]
    [InlineData("pref64=16G")]
    [InlineData("x:pref64=16G")]
    [InlineData("4:pref64")]
    [InlineData("4:bus=2")]
    [InlineData("4:pref64=lots")]
    public void ParseReserve_Malformed_SaysWhy(string text)
    {
        Assert.NotNull(HotplugJson.ParseReserve(text).Error);
    }

    [Fact]
    public void ReadDevices_LibvirtDeviceXml_UsesUserAliasesAsIds()
    {
        var devices = LibvirtHotplug.ReadDevices("""
            <devices>
              <interface type='network'><source network='default'/><model type='virtio'/><alias name='ua-nic1'/></interface>
              <disk type='file' device='disk'><source file='/x.img'/><target dev='vdb' bus='virtio'/></disk>
            </devices>
            """);

        Assert.Equal(["nic1", "hotplug-disk-2"], devices.Select(d => d.Id));
        Assert.Equal(("interface", "virtio"), (devices[0].Kind, devices[0].Model));
        Assert.Equal(("vdb", "virtio"), (devices[1].Target, devices[1].Bus));
    }

    [Fact]
    public void ReadLayout_QemuOverrideAndGlobal_GiveReservesAcpiAndSlots()
    {
        const string xml = """
            <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><name>r</name>
              <maxMemory slots='4' unit='GiB'>64</maxMemory>
              <os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features>
              <devices>
                <controller type='pci' index='0' model='pcie-root'/>
                <controller type='pci' index='1' model='pcie-root-port'><model name='pcie-root-port'/><address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></controller>
                <controller type='pci' index='2' model='pcie-root-port'><alias name='ua-gpu'/><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></controller>
              </devices>
              <qemu:commandline><qemu:arg value='-global'/><qemu:arg value='pcie-root-port.io-reserve=0'/></qemu:commandline>
              <qemu:override><qemu:device alias='ua-gpu'><qemu:frontend><qemu:property name='pref64-reserve' type='unsigned' value='34359738368'/></qemu:frontend></qemu:device></qemu:override>
            </domain>
            """;

        var layout = LibvirtHotplug.ReadLayout(xml);

        Assert.Equal(new PortReserve { Io = 0 }, layout.Options.Reserves[1]);
        Assert.Equal(new PortReserve { Io = 0, Pref64 = 32L << 30 }, layout.Options.Reserves[2]);
        Assert.Equal((true, 4), (layout.Options.Acpi!.Value, layout.Options.MemorySlots!.Value));
        Assert.Equal("controller3", layout.Aliases["ua-gpu"]);
    }
}
