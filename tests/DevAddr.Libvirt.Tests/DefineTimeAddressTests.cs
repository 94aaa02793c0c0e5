using System.Globalization;
using System.Xml.Linq;
using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Libvirt.Tests.Oracle;
using static DevAddr.Libvirt.Tests.ExpandedXml;

namespace DevAddr.Libvirt.Tests;

/// <summary>
/// User addresses that libvirt 9.0 accepts at define time although the request checks used to refuse them. What
/// libvirt does with each was observed with tools/oracle/libvirt-expand (define + dumpxml), and whether QEMU 7.2 starts
/// the result with tools/oracle/libvirt-hotplug (start paused, TCG):
/// <list type="bullet">
/// <item>SATA disk at unit 7, IDE disk at unit 2: defined with that address; QEMU does not start ("Bus 'ide.7' not
/// found"; "Can't create IDE unit 2, bus supports only 2 units"). Refused at request time (drive-address-range),
/// saying so.</item>
/// <item>Disk at unit 7 of an lsilogic controller (the unit libvirt keeps free when it places SCSI host devices):
/// defined with that address, QEMU starts it. Planned as libvirt does; the validator accepts it.</item>
/// <item>All-zero PCI address on a USB sound device: defined, written back as &lt;address type='pci'/&gt;; QEMU does
/// not start ("Device 'usb-audio' can't go on PCIE bus"). Refused at request time (address-kind), saying so.</item>
/// <item>All-zero PCI address on a virtio channel: libvirt's "assign one"; the channel gets virtio-serial port 1 of
/// controller 0 (added), QEMU starts it. Planned as libvirt does.</item>
/// <item>usb-net interface with a PCI address: a non-empty one is kept (libvirt warns that the device should not have
/// one) and QEMU does not start ("Device 'usb-net' can't go on PCIE bus"): refused at request time (address-kind); an
/// all-zero one makes libvirt fail ("Cannot automatically add a new PCI bus for a device with connect flags 00"),
/// and the planner gives that error.</item>
/// </list>
/// The live test at the end checks libvirt's side of each against the oracle when it is installed.
/// </summary>
public sealed class DefineTimeAddressTests
{
    private const string ZeroPci = "<address type='pci' domain='0x0000' bus='0x00' slot='0x00' function='0x0'/>";

    private const string SataDiskUnit7 =
        "<disk type='file' device='disk'><source file='/a.img'/><target dev='sda' bus='sata'/><address type='drive' controller='0' bus='0' target='0' unit='7'/></disk>";

    private const string IdeDiskUnit2 =
        "<disk type='file' device='disk'><source file='/a.img'/><target dev='hda' bus='ide'/><address type='drive' controller='0' bus='0' target='0' unit='2'/></disk>";

    private const string LsilogicDiskUnit7 = "<controller type='scsi' index='0' model='lsilogic'/>" +
        "<disk type='file' device='disk'><source file='/a.img'/><target dev='sda' bus='scsi'/><address type='drive' controller='0' bus='0' target='0' unit='7'/></disk>";

    private const string UsbSoundZeroPci = "<sound model='usb'>" + ZeroPci + "</sound>";

    private const string ChannelZeroPci = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>" + ZeroPci + "</channel>";

    private const string UsbNetPci =
        "<interface type='user'><mac address='52:54:00:00:00:01'/><model type='usb-net'/><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></interface>";

    private const string UsbNetZeroPci = "<interface type='user'><mac address='52:54:00:00:00:01'/><model type='usb-net'/>" + ZeroPci + "</interface>";

    private const string ConnectFlagsError = "Cannot automatically add a new PCI bus for a device with connect flags 00";

    // ---- SATA unit 7, IDE unit 2: libvirt defines them, QEMU cannot start them

    [Theory]
    [InlineData("q35", SataDiskUnit7, "sda", "SATA has units 0-5", "libvirt defines unit 7")]
    [InlineData("pc", IdeDiskUnit2, "hda", "IDE has units 0-1", "libvirt defines unit 2")]
    [InlineData("pc", "<disk type='file' device='floppy'><source file='/a.img'/><target dev='fda' bus='fdc'/><address type='drive' controller='0' bus='0' target='0' unit='2'/></disk>",
        "fda", "the floppy controller has units 0-1", "libvirt defines unit 2")]
    // QEMU 7.2 takes SCSI ids 0-7 on lsi53c895a (lsilogic), 0-8 on mptsas1068 (lsisas1068), 0-64 on pvscsi (vmpvscsi):
    // "bad scsi device id" beyond (measured).
    [InlineData("pc", "<controller type='scsi' index='0' model='lsilogic'/><disk type='file' device='disk'><source file='/a.img'/><target dev='sda' bus='scsi'/><address type='drive' controller='0' bus='0' target='0' unit='8'/></disk>",
        "sda", "takes units (SCSI ids) 0-7", "libvirt defines unit 8")]
    [InlineData("q35", "<controller type='scsi' index='0' model='lsisas1068'/><disk type='file' device='disk'><source file='/a.img'/><target dev='sda' bus='scsi'/><address type='drive' controller='0' bus='0' target='0' unit='9'/></disk>",
        "sda", "takes units (SCSI ids) 0-8", "libvirt defines unit 9")]
    [InlineData("q35", "<controller type='scsi' index='0' model='vmpvscsi'/><disk type='file' device='disk'><source file='/a.img'/><target dev='sda' bus='scsi'/><address type='drive' controller='0' bus='0' target='0' unit='65'/></disk>",
        "sda", "takes units (SCSI ids) 0-64", "libvirt defines unit 65")]
    public void Plan_DriveUnitQemuDoesNotHave_RefusedNamingTheDiskAndRule(string machine, string devices, string target, string limit, string libvirt)
    {
        var (request, result) = Plan(machine, devices);

        var error = Assert.IsType<PlanResult.Failure>(result).Error;
        Assert.Equal(ErrorCodes.AddressConflict, error.Code);
        Assert.Equal("drive-address-range", error.Rule);
        Assert.Equal(request.Devices.Single(d => d.Target == target).Id, error.DeviceId);
        Assert.Contains(limit, error.Message, StringComparison.Ordinal);
        Assert.Contains(libvirt, error.Message, StringComparison.Ordinal);
        Assert.Contains("QEMU cannot start the guest", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("q35", "<disk type='file' device='disk'><source file='/a.img'/><target dev='sda' bus='sata'/><address type='drive' controller='0' bus='0' target='1' unit='0'/></disk>", "target must be 0 for sata controller")]
    [InlineData("q35", "<disk type='file' device='disk'><source file='/a.img'/><target dev='sda' bus='sata'/><address type='drive' controller='0' bus='1' target='0' unit='0'/></disk>", "bus must be 0 for sata controller")]
    [InlineData("pc", "<disk type='file' device='disk'><source file='/a.img'/><target dev='hda' bus='ide'/><address type='drive' controller='0' bus='0' target='1' unit='0'/></disk>", "target must be 0 for ide controller")]
    public void Expand_DriveTargetOrBusLibvirtRefuses_LibvirtsWording(string machine, string devices, string message)
    {
        Assert.EndsWith(message, Rejected(machine, devices), StringComparison.Ordinal);
    }

    // ---- lsilogic unit 7: libvirt defines it, QEMU starts it

    [Fact]
    public void Expand_LsilogicDiskAtUnit7_KeepsTheAddressAsLibvirtDoes()
    {
        var devices = Expand("pc", LsilogicDiskUnit7);

        Assert.Equal("0:0:0:7", Drive(devices.Elements("disk").Single()));
        var scsi = Controller(devices, "scsi", 0);
        Assert.Equal("lsilogic", scsi.Attribute("model")?.Value);
        Assert.Equal("00:02.0", Pci(scsi));
    }

    [Theory]
    [InlineData(LsilogicDiskUnit7)]
    [InlineData("<disk type='file' device='disk'><source file='/a.img'/><target dev='sda' bus='scsi'/><address type='drive' controller='0' bus='0' target='0' unit='7'/></disk>")]
    [InlineData("<controller type='scsi' index='0' model='lsilogic'/><hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host1'/><address bus='0' target='0' unit='1'/></source><address type='drive' controller='0' bus='0' target='0' unit='7'/></hostdev>")]
    public void Plan_ScsiUnit7OfLsilogic_PlannedAndValid(string devices)
    {
        var (_, result) = Plan("pc", devices);

        var plan = Assert.IsType<PlanResult.Success>(result).Plan;
        Assert.Equal("lsilogic", plan.Devices.Single(d => d.Kind == "controller" && d.Type == "scsi").Model);
        Assert.Equal(new DriveAddress(0, 0, 0, 7), plan.Devices.Single(d => d.Kind is "disk" or "hostdev").Address);
        Assert.Empty(AddressPlanner.Validate(plan));
    }

    // ---- zero PCI address on a USB sound device: libvirt defines it, QEMU cannot start it

    [Theory]
    [InlineData("q35")]
    [InlineData("pc")]
    public void Plan_UsbSoundWithZeroPciAddress_RefusedNamingTheDeviceAndRule(string machine)
    {
        var (request, result) = Plan(machine, UsbSoundZeroPci);

        var error = Assert.IsType<PlanResult.Failure>(result).Error;
        Assert.Equal(ErrorCodes.AddressConflict, error.Code);
        Assert.Equal("address-kind", error.Rule);
        Assert.Equal(request.Devices.Single(d => d.Kind == "sound").Id, error.DeviceId);
        Assert.Contains("libvirt defines the guest with that PCI address, but QEMU cannot start it", error.Message, StringComparison.Ordinal);
    }

    // ---- zero PCI address on a channel: libvirt's "assign one", the channel gets a virtio-serial port

    [Theory]
    [InlineData("q35", "02:00.0")]
    [InlineData("pc", "00:02.0")]
    public void Expand_VirtioChannelWithZeroPciAddress_GetsVirtioSerialPort1AsLibvirtDoes(string machine, string controllerAddress)
    {
        var devices = Expand(machine, ChannelZeroPci);

        Assert.Equal("0:1", VirtioSerial(devices.Elements("channel").Single()));
        Assert.Equal(controllerAddress, Pci(Controller(devices, "virtio-serial", 0)));
    }

    [Fact]
    public void Plan_VirtioChannelWithZeroPciAddress_Valid()
    {
        var (_, result) = Plan("q35", ChannelZeroPci + "<channel type='unix'><target type='virtio' name='b.0'/></channel>");

        var plan = Assert.IsType<PlanResult.Success>(result).Plan;
        Assert.Equal([new VirtioSerialAddress(0, 0, 1), new VirtioSerialAddress(0, 0, 2)], plan.Devices.Where(d => d.Kind == "channel").Select(d => d.Address));
        Assert.Empty(AddressPlanner.Validate(plan));
    }

    [Fact]
    public void Plan_VirtioChannelWithNonZeroPciAddress_RefusedSayingWhatLibvirtWouldDo()
    {
        var (_, result) = Plan("q35", "<channel type='unix'><target type='virtio' name='a.0'/><address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/></channel>");

        var error = Assert.IsType<PlanResult.Failure>(result).Error;
        Assert.Equal("address-kind", error.Rule);
        Assert.Contains("libvirt would drop it and give the channel a virtio-serial port", error.Message, StringComparison.Ordinal);
    }

    // ---- usb-net with a PCI address

    [Fact]
    public void Plan_UsbNetWithPciAddress_RefusedNamingTheDeviceAndRule()
    {
        var (request, result) = Plan("q35", UsbNetPci);

        var error = Assert.IsType<PlanResult.Failure>(result).Error;
        Assert.Equal(ErrorCodes.AddressConflict, error.Code);
        Assert.Equal("address-kind", error.Rule);
        Assert.Equal(request.Devices.Single(d => d.Kind == "interface").Id, error.DeviceId);
        Assert.Contains("libvirt defines the guest with that PCI address, but QEMU cannot start it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_UsbNetWithZeroPciAddress_LibvirtsConnectFlagsError()
    {
        var (request, result) = Plan("q35", UsbNetZeroPci);

        var error = Assert.IsType<PlanResult.Failure>(result).Error;
        Assert.Equal(ConnectFlagsError, error.Message);
        Assert.Equal("pci-connect-flags", error.Rule);
        Assert.Equal(request.Devices.Single(d => d.Kind == "interface").Id, error.DeviceId);
    }

    // ---- libvirt's side, live

    [LibvirtOracleFact]
    public void LibvirtExpand_TheSixInputs_DefinesOrRefusesAsTheseTestsAssume()
    {
        LibvirtOracleFactAttribute.RequireOracle();
        using var dirs = new TempDirectory();
        string input = dirs.Sub("in"), output = dirs.Sub("out");
        var cases = new Dictionary<string, (string Machine, string Devices)>
        {
            ["sata7"] = ("q35", SataDiskUnit7),
            ["ide2"] = ("pc", IdeDiskUnit2),
            ["lsi7"] = ("pc", LsilogicDiskUnit7),
            ["usbsound"] = ("q35", UsbSoundZeroPci),
            ["channel"] = ("q35", ChannelZeroPci),
            ["usbnet"] = ("q35", UsbNetPci),
            ["usbnet0"] = ("q35", UsbNetZeroPci),
        };
        foreach (var (name, (machine, devices)) in cases)
            File.WriteAllText(Path.Combine(input, name + ".xml"), Domain(machine, devices));

        LibvirtOracle.ExpandDirectory(input, output);

        XElement Defined(string name) => XDocument.Load(Path.Combine(output, name + ".xml")).Root!.Element("devices")!;
        Assert.Equal("0:0:0:7", Drive(Defined("sata7").Elements("disk").Single()));
        Assert.Equal("0:0:0:2", Drive(Defined("ide2").Elements("disk").Single()));
        Assert.Equal("0:0:0:7", Drive(Defined("lsi7").Elements("disk").Single()));
        Assert.Equal("00:02.0", Pci(Controller(Defined("lsi7"), "scsi", 0)));
        var sound = Defined("usbsound").Elements("sound").Single().Element("address")!;
        Assert.Equal("pci", sound.Attribute("type")?.Value);
        Assert.Null(sound.Attribute("slot"));
        Assert.Equal("0:1", VirtioSerial(Defined("channel").Elements("channel").Single()));
        Assert.Equal("02:00.0", Pci(Controller(Defined("channel"), "virtio-serial", 0)));
        Assert.Equal("00:05.0", Pci(Defined("usbnet").Elements("interface").Single()));
        Assert.EndsWith(ConnectFlagsError, File.ReadAllText(Path.Combine(output, "usbnet0.error")).Trim(), StringComparison.Ordinal);
    }

    // ---- helpers

    private static string Domain(string machine, string devices) => $"""
        <domain type='qemu'>
          <name>t</name>
          <memory unit='MiB'>512</memory>
          <vcpu>2</vcpu>
          <os><type arch='x86_64' machine='{machine}'>hvm</type></os>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            {devices}
          </devices>
        </domain>
        """;

    private static (PlanRequest Request, PlanResult Result) Plan(string machine, string devices)
    {
        var request = DomainXml.Parse(Domain(machine, devices)).Request;
        return (request, AddressPlanner.Plan(request with { Policy = Oracle90.Policy }));
    }

    private static XElement Expand(string machine, string devices)
    {
        var (xml, error) = LibvirtExpander.Expand(Domain(machine, devices), Oracle90.Policy, null);
        Assert.Null(error);
        return XDocument.Parse(xml!).Root!.Element("devices")!;
    }

    private static string Rejected(string machine, string devices)
    {
        var (xml, error) = LibvirtExpander.Expand(Domain(machine, devices), Oracle90.Policy, null);
        Assert.Null(xml);
        return error!;
    }
}
