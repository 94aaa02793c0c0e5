using System.Globalization;
using System.Xml.Linq;
using DevAddr.Core;
using DevAddr.Core.Model;
using static DevAddr.Libvirt.Tests.ExpandedXml;

namespace DevAddr.Libvirt.Tests;

/// <summary>
/// Rules of libvirt 9.0's define (device defaults and non-PCI addressing) that the conformance corpus does not
/// reach. Each case is a small domain; the expected attributes and addresses are what the live oracle
/// (tools/oracle/libvirt-expand) gave for the same input; error messages are libvirt's (without the
/// "XML error:" / "unsupported configuration:" prefix, which the planner does not add).
/// </summary>
public sealed class LibvirtRulesTests
{
    private const string PciSerial = "<serial type='pty'><target type='pci-serial'/></serial>";
    private const string IsaSerial = "<serial type='pty'><target type='isa-serial'/></serial>";

    // ---- USB controller model

    [Theory]
    [InlineData("pc", "<controller type='usb' index='0'/>", "piix3-uhci", "00:01.2")]
    [InlineData("q35", "<controller type='usb'/>", "piix3-uhci", "02:01.0")]
    [InlineData("virt", "<controller type='usb'/><input type='tablet'/>", "qemu-xhci", "01:00.0")]
    public void Expand_UsbControllerWithoutModel_GetsTheMachinesUnsetModel(string machine, string devices, string model, string address)
    {
        var usb = Controller(Expand(machine, devices), "usb", 0);

        Assert.Equal(model, usb.Attribute("model")?.Value);
        Assert.Equal(address, Pci(usb));
    }

    [Fact]
    public void Expand_Q35UsbControllerWithoutModel_ConventionalPciBehindPcieToPciBridge()
    {
        var devices = Expand("q35", "<controller type='usb'/>");

        Assert.Equal("pcie-to-pci-bridge", Controller(devices, "pci", 2).Attribute("model")?.Value);
        Assert.Equal("01:00.0", Pci(Controller(devices, "pci", 2)));
    }

    [Fact]
    public void Expand_Q35UserUsbIndex1WithoutModel_Piix3UhciAndTheMachinesQemuXhciAtIndex0()
    {
        var devices = Expand("q35", "<controller type='usb' index='1'/>");

        Assert.Equal("piix3-uhci", Controller(devices, "usb", 1).Attribute("model")?.Value);
        Assert.Equal("02:01.0", Pci(Controller(devices, "usb", 1)));
        Assert.Equal("qemu-xhci", Controller(devices, "usb", 0).Attribute("model")?.Value);
        Assert.Equal("03:00.0", Pci(Controller(devices, "usb", 0)));
    }

    // ---- serial, console, parallel

    [Theory]
    [InlineData("pc", "isa-serial")]
    [InlineData("virt", "system-serial")]
    public void Expand_SerialWithoutTarget_PlatformSerialPort0AndASerialConsole(string machine, string serialType)
    {
        var devices = Expand(machine, "<serial type='pty'/>");

        Assert.Equal((serialType, "0"), Target(devices.Elements("serial").Single()));
        Assert.Equal(("serial", "0"), Target(devices.Elements("console").Single()));
    }

    [Fact]
    public void Expand_PciSerialAlone_NoConsoleIsAdded()
    {
        var devices = Expand("q35", PciSerial);

        Assert.Equal(("pci-serial", "0"), Target(devices.Elements("serial").Single()));
        Assert.Equal("04:01.0", Pci(devices.Elements("serial").Single()));
        Assert.Empty(devices.Elements("console"));
    }

    [Fact]
    public void Expand_ConsoleWithPciSerialFirst_ConsoleMirrorsTheFirstSerialAndItsAddress()
    {
        var devices = Expand("q35", PciSerial + "<serial type='pty'/><console type='pty'/>");

        var serials = devices.Elements("serial").ToList();
        Assert.Equal(("pci-serial", "0"), Target(serials[0]));
        Assert.Equal(("isa-serial", "1"), Target(serials[1]));
        var console = devices.Elements("console").Single();
        Assert.Equal(("serial", "0"), Target(console));
        Assert.Equal("04:01.0", Pci(console));
    }

    [Fact]
    public void Expand_ConsoleWithUsbSerialFirst_ConsoleShowsTheUsbAddress()
    {
        var devices = Expand("q35", "<serial type='pty'><target type='usb-serial'/></serial><console type='pty'/>");

        var address = devices.Elements("console").Single().Element("address")!;
        Assert.Equal(("usb", "0", "1"), (address.Attribute("type")?.Value, address.Attribute("bus")?.Value, address.Attribute("port")?.Value));
    }

    [Fact]
    public void Expand_ConsolePorts_ArePositionsInTheConsoleListAndAGivenPortIsOverwritten()
    {
        var devices = Expand("q35", "<console type='pty'><target type='virtio' port='3'/></console><console type='pty'><target type='virtio'/></console>");

        Assert.Equal([("virtio", "0"), ("virtio", "1")], devices.Elements("console").Select(Target));
    }

    [Fact]
    public void Expand_SerialWithoutPort_OneMoreThanTheLargestPortOfAnySerial()
    {
        var devices = Expand("pc", "<serial type='pty'/><serial type='pty'><target port='0'/></serial>");

        Assert.Equal([("isa-serial", "1"), ("isa-serial", "0")], devices.Elements("serial").Select(Target));
        Assert.Equal(("serial", "1"), Target(devices.Elements("console").Single()));
    }

    [Fact]
    public void Expand_ExplicitIsaSerials_TakeFreeIsaPortsBeforeOtherSerialsAreNumbered()
    {
        var devices = Expand("pc", "<serial type='pty'><target type='isa-serial' port='3'/></serial>" + IsaSerial + PciSerial + IsaSerial);

        Assert.Equal([("isa-serial", "3"), ("isa-serial", "0"), ("pci-serial", "4"), ("isa-serial", "1")],
            devices.Elements("serial").Select(Target));
        Assert.Equal(("serial", "3"), Target(devices.Elements("console").Single()));
    }

    [Fact]
    public void Expand_ParallelWithoutPort_OneMoreThanTheLargestPortOfTheParallelsBeforeIt()
    {
        var devices = Expand("pc", "<parallel type='pty'/><parallel type='pty'><target port='3'/></parallel><parallel type='pty'/>");

        Assert.Equal(["0", "3", "4"], devices.Elements("parallel").Select(p => p.Element("target")?.Attribute("port")?.Value));
    }

    [Fact]
    public void Expand_SecondSerialConsole_IsRejected()
    {
        Assert.EndsWith("Only the first console can be a serial port",
            Rejected("pc", "<serial type='pty'/><console type='pty'/><console type='pty'/>"));
    }

    [Fact]
    public void Expand_FiveIsaSerials_IsRejected()
    {
        Assert.EndsWith("Maximum supported number of ISA serial ports is '4'",
            Rejected("pc", string.Concat(Enumerable.Repeat(IsaSerial, 5))));
    }

    [Fact]
    public void Plan_PlatformSerial_TheSerialConsoleIsAnAddedDevice()
    {
        var domain = DomainXml.Parse(Domain("pc", "<serial type='pty'/>"));

        var plan = Assert.IsType<PlanResult.Success>(AddressPlanner.Plan(domain.Request with { Policy = Oracle90.Policy })).Plan;

        var console = plan.Devices.Single(d => d.Kind == "console");
        Assert.True(console.Added);
        Assert.Equal("serial", console.Type);
        Assert.Equal("isa-serial", plan.Devices.Single(d => d.Kind == "serial").Type);
    }

    // ---- SCSI controllers for SCSI host devices

    [Fact]
    public void Expand_ScsiHostdevOnVirtioScsiController1_Controller0TakesItsModelAndComesFirst()
    {
        var devices = Expand("pc", "<controller type='scsi' index='1' model='virtio-scsi'/>" +
            ScsiHostdev(1, "<address type='drive' controller='1' bus='0' target='0' unit='3'/>"));

        Assert.Equal("virtio-scsi", Controller(devices, "scsi", 0).Attribute("model")?.Value);
        Assert.Equal("00:02.0", Pci(Controller(devices, "scsi", 1)));
        Assert.Equal("00:03.0", Pci(Controller(devices, "scsi", 0)));
    }

    [Fact]
    public void Expand_ScsiHostdevWhenVirtioScsiController0IsFull_NewControllerIsLsilogic()
    {
        string disks = string.Concat("abcdefg".Select(c =>
            $"<disk type='file' device='disk'><source file='/sd{c}.img'/><target dev='sd{c}' bus='scsi'/></disk>"));

        var devices = Expand("pc", "<controller type='scsi' index='0' model='virtio-scsi'/>" + disks + ScsiHostdev(1, ""));

        Assert.Equal("lsilogic", Controller(devices, "scsi", 1).Attribute("model")?.Value);
        Assert.Equal("00:03.0", Pci(Controller(devices, "scsi", 1)));
        Assert.Equal("1:0:0:0", Drive(devices.Elements("hostdev").Single()));
    }

    // ---- video

    [Fact]
    public void Expand_VideoSizes_RamAndVramRoundedUpToAPowerOfTwo()
    {
        var devices = Expand("q35", "<video><model type='qxl' ram='100' vram='3000' vgamem='16384' vram64='1000'/></video>" +
            "<video><model type='virtio' heads='2' vram='100'/></video>");

        var models = devices.Elements("video").Select(v => v.Element("model")!).ToList();
        Assert.Equal(["128", "4096", "1000", "16384", "1", "yes"],
            new[] { "ram", "vram", "vram64", "vgamem", "heads", "primary" }.Select(a => models[0].Attribute(a)?.Value));
        Assert.Equal(["128", "2", null], new[] { "vram", "heads", "primary" }.Select(a => models[1].Attribute(a)?.Value));
    }

    [Fact]
    public void Expand_SecondaryVga_IsRejected()
    {
        Assert.EndsWith("video type 'vga' is only valid as primary video device",
            Rejected("q35", "<video><model type='qxl'/></video><video><model type='vga'/></video>"));
    }

    [Fact]
    public void Expand_PrimaryYesOnSecondVideo_ThatVideoIsPrimaryAndPlacedFirst()
    {
        var devices = Expand("pc", "<video><model type='qxl'/></video><video><model type='virtio' primary='yes'/></video>");

        var videos = devices.Elements("video").ToList();
        Assert.Equal(("virtio", "yes", "00:02.0"), (Model(videos[0]), videos[0].Element("model")?.Attribute("primary")?.Value, Pci(videos[0])));
        Assert.Equal(("qxl", null, "00:04.0"), (Model(videos[1]), videos[1].Element("model")?.Attribute("primary")?.Value, Pci(videos[1])));
    }

    // ---- virtio-serial

    [Fact]
    public void Expand_VirtioConsoleAddress_IsReservedAndChannelPort0MeansPickOne()
    {
        var devices = Expand("q35",
            "<channel type='pty'><target type='virtio' name='a'/></channel>" +
            "<console type='pty'><target type='virtio'/><address type='virtio-serial' controller='0' bus='0' port='1'/></console>" +
            "<channel type='pty'><target type='virtio' name='b'/><address type='virtio-serial' controller='0' bus='0' port='0'/></channel>");

        Assert.Equal("0:1", VirtioSerial(devices.Elements("console").Single()));
        Assert.Equal(["0:2", "0:3"], devices.Elements("channel").Select(VirtioSerial));
    }

    [Fact]
    public void Expand_VirtioConsoleWithPort0_KeepsItsAddressAndUsesAPortOfController0()
    {
        var devices = Expand("q35",
            "<console type='pty'><target type='virtio'/><address type='virtio-serial' controller='0' bus='0' port='0'/></console>" +
            "<channel type='pty'><target type='virtio' name='b'/></channel>");

        Assert.Equal("0:0", VirtioSerial(devices.Elements("console").Single()));
        Assert.Equal("0:2", VirtioSerial(devices.Elements("channel").Single()));
    }

    [Fact]
    public void Expand_VirtioSerialControllerFull_ChannelGoesToANewController()
    {
        var devices = Expand("q35", "<controller type='virtio-serial' index='0' ports='2'/>" +
            "<channel type='pty'><target type='virtio' name='a'/></channel><channel type='pty'><target type='virtio' name='b'/></channel>");

        Assert.Equal(["0:1", "1:1"], devices.Elements("channel").Select(VirtioSerial));
        Assert.Equal("03:00.0", Pci(Controller(devices, "virtio-serial", 1)));
    }

    // ---- error precedence

    private const string SameHostPciDevice =
        "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x05' slot='0x00' function='0x0'/></source>{0}</hostdev>";

    [Fact]
    public void Expand_SameHostdevTwiceAtTheSameGuestAddress_ThePciErrorWins()
    {
        string twice = string.Concat(Enumerable.Repeat(
            string.Format(CultureInfo.InvariantCulture, SameHostPciDevice, "<address type='pci' bus='0x00' slot='0x05'/>"), 2));

        Assert.EndsWith("Attempted double use of PCI Address 0000:00:05.0", Rejected("q35", twice));
    }

    [Fact]
    public void Expand_SameHostdevTwice_IsRejected()
    {
        string twice = string.Concat(Enumerable.Repeat(string.Format(CultureInfo.InvariantCulture, SameHostPciDevice, ""), 2));

        Assert.EndsWith("Hostdev already exists in the domain configuration", Rejected("pc", twice));
    }

    // ---- other defaults

    [Fact]
    public void Expand_DevicesWithoutBusOrModel_LibvirtDefaultsAndTheDiskListOrder()
    {
        var devices = Expand("pc",
            "<disk type='file' device='disk'><source file='/vdb.img'/><target dev='vdb'/></disk>" +
            "<disk type='file' device='disk'><source file='/sda.img'/><target dev='sda' bus='scsi'/></disk>" +
            "<disk type='file' device='disk'><source file='/vda.img'/><target dev='vda' bus='virtio'/></disk>" +
            "<interface type='user'><mac address='52:54:00:00:00:01'/></interface>" +
            "<input type='tablet'/><input type='mouse'/><panic/>" +
            "<crypto model='virtio' type='qemu'><backend model='builtin' queues='1'/><address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/></crypto>" +
            "<watchdog model='i6300esb'><address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/></watchdog>");

        var vdb = devices.Elements("disk").Single(d => d.Element("target")?.Attribute("dev")?.Value == "vdb");
        var vda = devices.Elements("disk").Single(d => d.Element("target")?.Attribute("dev")?.Value == "vda");
        Assert.Equal(("virtio", "00:04.0"), (vdb.Element("target")?.Attribute("bus")?.Value, Pci(vdb)));
        Assert.Equal("00:05.0", Pci(vda));
        Assert.Equal("rtl8139", Model(devices.Elements("interface").Single()));
        Assert.Equal([("tablet", "usb"), ("mouse", "ps2"), ("keyboard", "ps2")],
            devices.Elements("input").Select(i => (i.Attribute("type")?.Value, i.Attribute("bus")?.Value)));
        Assert.Equal("isa", devices.Elements("panic").Single().Attribute("model")?.Value);
        Assert.Empty(devices.Elements("crypto"));
        Assert.Equal("00:07.0", Pci(devices.Elements("watchdog").Single()));
    }

    [Fact]
    public void Expand_UsbControllerNoneWithAssignMeAddress_TheAddressIsDropped()
    {
        var devices = Expand("pc", "<controller type='usb' model='none' index='2'><address type='pci' domain='0' bus='0' slot='0' function='0'/></controller>");

        Assert.Null(Controller(devices, "usb", 2).Element("address"));
    }

    [Fact]
    public void Expand_AssignMeAddressOnDevicesWithoutPciSlot_KeptAsBareTypeOrDroppedWhenTheDeviceIsNone()
    {
        const string zero = "<address type='pci' domain='0' bus='0' slot='0' function='0'/>";
        var devices = Expand("pc", $"<controller type='fdc' index='0'>{zero}</controller><memballoon model='none'>{zero}</memballoon>");

        var address = Controller(devices, "fdc", 0).Element("address")!;
        Assert.Equal(["type"], address.Attributes().Select(a => a.Name.LocalName));
        Assert.Equal("pci", address.Attribute("type")?.Value);
        Assert.Null(devices.Elements("memballoon").Single().Element("address"));
    }

    [Fact]
    public void Expand_Usb2CompanionsWithoutIndex_JoinTheEhci1sIndex()
    {
        var devices = Expand("pc", "<controller type='usb' model='ich9-ehci1'/><controller type='usb' model='ich9-uhci1'><master startport='0'/></controller>" +
            "<controller type='usb' model='ich9-uhci2'><master startport='2'/></controller><video><model type='none'/></video>");

        var usb = devices.Elements("controller").Where(c => c.Attribute("type")?.Value == "usb").ToList();
        Assert.Equal(["0", "0", "0"], usb.Select(c => c.Attribute("index")?.Value));
        Assert.Equal(["00:02.7", "00:02.0", "00:02.1"], usb.Select(Pci));
    }

    [Fact]
    public void Expand_CompanionWithoutMasterElement_GetsItsStartPort()
    {
        var devices = Expand("q35", "<controller type='usb' model='ich9-ehci1' index='4'/><controller type='usb' model='ich9-uhci1' index='4'/>");

        var uhci = devices.Elements("controller").Single(c => c.Attribute("model")?.Value == "ich9-uhci1");
        Assert.Equal("0", uhci.Element("master")?.Attribute("startport")?.Value);
    }

    [Theory]
    [InlineData("q35", "<interface type='user'><model type='usb-net'/></interface>", "Cannot automatically add a new PCI bus for a device with connect flags 00")]
    [InlineData("pc", "<sound model='ich7'/>", "Cannot automatically add a new PCI bus for a device with connect flags 00")]
    [InlineData("q35", "<controller type='pci' model='pcie-root'/><controller type='pci' index='0' model='pcie-root'/>", "pci-root and pcie-root controllers should have index 0")]
    [InlineData("pc", "<disk type='file' device='floppy'><source file='/f.img'/><target dev='fdg'/></disk>", "Only 1 fdc controller is supported")]
    [InlineData("q35", "<controller type='usb' model='ich9-uhci1' index='4'/>", "No master USB controller specified")]
    [InlineData("pc", "<controller type='usb' model='piix3-uhci' index='0'><master startport='0'/></controller>", "No master USB controller specified")]
    [InlineData("pc", "<disk type='file' device='disk'><source file='/f.img'/><target dev='sd' bus='scsi'/></disk>", "Unknown disk name 'sd' and no address specified")]
    [InlineData("pc", "<disk type='file' device='disk'><source file='/f.img'/><target dev='vd' bus='virtio'/></disk>", "Unknown disk name 'vd' and no address specified")]
    [InlineData("pc", "<serial type='pty'><target type='isa-serial'/><address type='pci' domain='0' bus='0' slot='0' function='0'/></serial>", "Target type 'isa-serial' requires address type 'isa'")]
    [InlineData("pc", "<watchdog model='ib700'><address type='pci' domain='0' bus='0' slot='0' function='0'/></watchdog>", "ib700 model of watchdog does not support configuring the address")]
    [InlineData("virt", "<serial type='pty'><target type='isa-debug'/></serial>", "isa-debug serial type only valid on x86 architecture")]
    [InlineData("virt", "<input type='mouse' bus='ps2'/>", "ps2 is not supported by this QEMU binary")]
    [InlineData("virt", "<panic/>", "the QEMU binary does not support the ISA panic device")]
    [InlineData("virt", "<video><model type='qxl'/></video>", "domain configuration does not support video model 'qxl'")]
    [InlineData("virt", "<input type='tablet'/>", "USB is disabled for this domain, but USB devices are present in the domain XML")]
    [InlineData("pc", "<controller type='usb' model='none'/><input type='tablet' bus='usb'/>", "Can't add USB input device. USB bus is disabled")]
    [InlineData("q35", "<smartcard mode='passthrough' type='spicevmc'/>", "chardev 'spicevmc' not supported without spice graphics")]
    [InlineData("q35", "<smartcard mode='host'/><smartcard mode='host'/>", "this QEMU binary lacks multiple smartcard support")]
    [InlineData("q35", "<memballoon model='virtio'/><memballoon model='virtio'/>", "only a single memory balloon device is supported")]
    [InlineData("q35", "<panic/><panic/>", "Multiple panic devices with model 'isa'")]
    [InlineData("q35", "<shmem name='s'/>", "ivshmem device is not supported with this QEMU binary")]
    [InlineData("q35", "<iommu model='virtio'/>", "IOMMU device: 'virtio' requires ACPI")]
    [InlineData("pc", "<iommu model='intel'/>", "IOMMU device: 'intel' is only supported with Q35 machines")]
    [InlineData("q35", "<controller type='scsi' index='0'/><controller type='scsi' index='0'/>", "Multiple 'scsi' controllers with index '0'")]
    [InlineData("q35", "<video><model type='qxl'/></video><video><model type='none'/></video>", "a 'none' video type must be the only video device defined for the domain")]
    [InlineData("q35", "<video><model type='qxl' primary='yes'/></video><video><model type='virtio' primary='yes'/></video>", "Only one primary video device is supported")]
    [InlineData("q35", "<video><model type='qxl' vgamem='5000'/></video>", "value for 'vgamem' must be power of two")]
    [InlineData("q35", "<video><model type='vmvga' vram='5'/></video>", "value for 'vram' must be at least 1 MiB (1024 KiB)")]
    [InlineData("q35", "<video><model type='virtio' ram='5'/></video>", "ram attribute only supported for video type qxl")]
    [InlineData("q35", "<video><model type='vga' heads='2'/></video>", "video type 'vga' doesn't support multiple 'heads'")]
    [InlineData("q35", "<disk type='file' device='disk'><source file='/a.img'/><target dev='sda' bus='scsi'/></disk><disk type='file' device='disk'><source file='/b.img'/><target dev='sda' bus='sata'/></disk>", "target 'sda' duplicated for disk sources '/a.img' and '/b.img'")]
    [InlineData("q35", "<disk type='file' device='disk'><source file='/s.img'/><target dev='sda' bus='scsi'/></disk><hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host1'/><address bus='0' target='0' unit='1'/></source><address type='drive' controller='0' bus='0' target='0' unit='0'/></hostdev>", "using disk target name 'sda' conflicts with SCSI host device address controller='0' bus='0' target='0' unit='0")]
    [InlineData("q35", "<channel type='pty'><target type='virtio' name='a'/><address type='virtio-serial' controller='0' bus='0' port='2'/></channel><console type='pty'><target type='virtio'/><address type='virtio-serial' controller='0' bus='0' port='2'/></console>", "virtio serial port 2 on controller 0 is already occupied")]
    [InlineData("q35", "<controller type='virtio-serial' index='0' ports='1'/><console type='pty'><target type='virtio'/><address type='virtio-serial' controller='0' bus='0' port='0'/></console>", "Unable to find a free port on virtio-serial controller 0")]
    [InlineData("pc", "<disk type='file' device='disk'><source file='/a.img'/><target dev='vdb1' bus='virtio'/></disk>", "invalid disk target 'vdb1', partitions can't appear in disk targets")]
    [InlineData("pc", "<disk type='file' device='disk'><source file='/a.img'/><target dev='foo' bus='virtio'/></disk>", "Unknown disk name 'foo' and no address specified")]
    public void Expand_DefinitionLibvirtRejects_IsRejected(string machine, string devices, string message)
    {
        Assert.EndsWith(message, Rejected(machine, devices));
    }

    /// <summary>
    /// Of two repeated controller indexes among many controllers, the one named is the first of the two in the list
    /// (index 3 below), not the first to repeat (12).
    /// </summary>
    [Fact]
    public void Expand_ManyControllersTwoRepeatedIndexes_NamesTheFirstInListOrder()
    {
        string controllers = string.Concat(Enumerable.Range(0, 20).Select(i => $"<controller type='virtio-serial' index='{i}'/>"));
        Assert.EndsWith("Multiple 'virtio-serial' controllers with index '3'",
            Rejected("q35", controllers + "<controller type='virtio-serial' index='12'/><controller type='virtio-serial' index='3'/>"));
    }

    [Theory]
    [InlineData("<maxMemory slots='16' unit='MiB'>16384</maxMemory>", "", "At least one numa node has to be configured when enabling memory hotplug")]
    [InlineData("<cpu><numa><cell id='0' cpus='0' memory='512' unit='MiB'/></numa></cpu>",
        "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target></memory>", "cannot use/hotplug a memory device when domain 'maxMemory' is not defined")]
    [InlineData("<maxMemory slots='4' unit='MiB'>16384</maxMemory><cpu><numa><cell id='0' cpus='0' memory='512' unit='MiB'/></numa></cpu>",
        "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target><address type='dimm' slot='1'/></memory>" +
        "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target><address type='dimm' slot='1'/></memory>",
        "memory device slot '1' is already being used by another memory device")]
    public void Expand_MemoryHotplugLibvirtRejects_IsRejected(string domainExtra, string devices, string message)
    {
        Assert.EndsWith(message, Rejected("q35", devices, domainExtra));
    }

    [Theory]
    [InlineData("vdzbad", "virtio", "pci", "00:02.0")]
    [InlineData("sda0", "scsi", "drive", "0:0:0:0")]
    public void Expand_DiskNamesLibvirtAccepts_AreAddressed(string target, string bus, string kind, string address)
    {
        var disk = Expand("pc", $"<disk type='file' device='disk'><source file='/a.img'/><target dev='{target}' bus='{bus}'/></disk>").Elements("disk").Single();

        Assert.Equal(address, kind == "pci" ? Pci(disk) : Drive(disk));
    }

    // ---- helpers

    private static string Domain(string machine, string devices, string extra = "")
    {
        string arch = machine == "virt" ? "aarch64" : "x86_64";
        return $"""
            <domain type='qemu'>
              <name>t</name>
              <memory unit='MiB'>512</memory>
              <vcpu>2</vcpu>
              <os><type arch='{arch}' machine='{machine}'>hvm</type></os>
              {extra}
              <devices>
                <emulator>/usr/bin/qemu-system-{arch}</emulator>
                {devices}
              </devices>
            </domain>
            """;
    }

    private static XElement Expand(string machine, string devices)
    {
        var (xml, error) = LibvirtExpander.Expand(Domain(machine, devices), Oracle90.Policy, null);
        Assert.Null(error);
        return XDocument.Parse(xml!).Root!.Element("devices")!;
    }

    private static string Rejected(string machine, string devices, string extra = "")
    {
        var (xml, error) = LibvirtExpander.Expand(Domain(machine, devices, extra), Oracle90.Policy, null);
        Assert.Null(xml);
        return error!;
    }

    private static string ScsiHostdev(int unit, string address) =>
        $"<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host1'/><address bus='0' target='0' unit='{unit}'/></source>{address}</hostdev>";

    private static (string?, string?) Target(XElement el) =>
        (el.Element("target")?.Attribute("type")?.Value, el.Element("target")?.Attribute("port")?.Value);

    private static string? Model(XElement el) => el.Element("model")?.Attribute("type")?.Value;
}
