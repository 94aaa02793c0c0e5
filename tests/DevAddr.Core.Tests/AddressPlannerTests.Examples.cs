using DevAddr.Core.Model;

namespace DevAddr.Core.Tests;

/// <summary>
/// The worked examples E1-E20 of the libvirt addressing specification (libvirt 9.0 + QEMU 7.2, each verified
/// with virsh define + dumpxml), as requests. Addresses are bus:slot.function in hex, " m" = multifunction='on';
/// root ports are (index, address, chassis, port) with chassis = index and port = slot&lt;&lt;3|function.
/// E20's live hotplug has no request form (the planner plans definitions), so only its persistent
/// (--config) attach is here.
/// </summary>
public sealed partial class AddressPlannerTests
{
    [Fact]
    public void Plan_E1_PcWithoutDevices_AddsUsbRootAndBalloon()
    {
        var plan = Planned(Request("pc"));

        var usb = ControllerOf(plan, "usb", 0);
        Assert.Equal(("piix3-uhci", "00:01.2"), (usb.Model, Text(usb.Address)));
        Assert.Equal("pci-root", ControllerOf(plan, "pci", 0).Model);
        Assert.Null(ControllerOf(plan, "pci", 0).Address);
        Assert.Equal("00:02.0", Text(Single(plan, "memballoon").Address));
        Assert.Equal(["keyboard", "mouse"], plan.Devices.Where(d => d.Kind == "input").Select(d => d.Type).Order(StringComparer.Ordinal));
        Assert.All(plan.Devices, d => Assert.True(d.Added));
        Assert.Equal("default USB controller of machine type pc", usb.Reason);
    }

    [Fact]
    public void Plan_E2_PcDiskNicGraphicsVideo_VideoFirstThenPassOrder()
    {
        var plan = Planned(Request("pc", Disk("vda", "virtio"), Nic("nic", "virtio"), Dev("vnc", "graphics", "vnc"), Dev("video", "video", model: "vga")));

        Assert.Equal("00:02.0", PciOf(plan, "video"));
        Assert.Equal("00:03.0", PciOf(plan, "nic"));
        Assert.Equal("00:01.2", Text(ControllerOf(plan, "usb", 0).Address));
        Assert.Equal("00:04.0", PciOf(plan, "vda"));
        Assert.Equal("00:05.0", Text(Single(plan, "memballoon").Address));
        Assert.Null(Find(plan, "vnc").Address);
    }

    [Fact]
    public void Plan_E3_Q35WithoutDevices_AddsRootPortsAndOneSpare()
    {
        var plan = Planned(Request("q35"));

        var usb = ControllerOf(plan, "usb", 0);
        Assert.Equal(("qemu-xhci", "01:00.0"), (usb.Model, Text(usb.Address)));
        Assert.Equal("00:1f.2", Text(ControllerOf(plan, "sata", 0).Address));
        Assert.Equal("pcie-root", ControllerOf(plan, "pci", 0).Model);
        Assert.Equal(PackedRootPorts(1, 1, 3), RootPorts(plan));
        Assert.Equal("02:00.0", Text(Single(plan, "memballoon").Address));
        Assert.Equal(1, plan.Summary.FreeRootPorts);
    }

    [Fact]
    public void Plan_E4_Q35DiskNicGraphicsVideo_OneRootPortPerEndpointInPassOrder()
    {
        var plan = Planned(Request("q35", Disk("vda", "virtio"), Nic("nic", "virtio"), Dev("vnc", "graphics", "vnc"), Dev("video", "video", model: "vga")));

        Assert.Equal("00:01.0", PciOf(plan, "video"));
        Assert.Equal(PackedRootPorts(1, 2, 5), RootPorts(plan));
        Assert.Equal("01:00.0", PciOf(plan, "nic"));
        Assert.Equal("02:00.0", Text(ControllerOf(plan, "usb", 0).Address));
        Assert.Equal("03:00.0", PciOf(plan, "vda"));
        Assert.Equal("04:00.0", Text(Single(plan, "memballoon").Address));
        Assert.Equal(1, plan.Summary.FreeRootPorts);
    }

    [Fact]
    public void Plan_E5_Q35E1000_GoesBehindPcieToPciBridge()
    {
        var plan = Planned(Request("q35", Nic("nic", "e1000"), Disk("vda", "virtio")));

        Assert.Equal([(1, "00:01.0 m", 1, 0x8), (3, "00:01.1", 3, 0x9), (4, "00:01.2", 4, 0xa), (5, "00:01.3", 5, 0xb), (6, "00:01.4", 6, 0xc)], RootPorts(plan));
        var bridge = ControllerOf(plan, "pci", 2);
        Assert.Equal(("pcie-to-pci-bridge", "01:00.0"), (bridge.Model, Text(bridge.Address)));
        Assert.Equal("02:01.0", PciOf(plan, "nic"));
        Assert.Equal("03:00.0", Text(ControllerOf(plan, "usb", 0).Address));
        Assert.Equal("04:00.0", PciOf(plan, "vda"));
        Assert.Equal("05:00.0", Text(Single(plan, "memballoon").Address));
        Assert.Equal(1, plan.Summary.FreeRootPorts);
    }

    [Fact]
    public void Plan_E6_Q35ExplicitChipsetControllers_FixedSlotsAndNoSpareRootPort()
    {
        var plan = Planned(Request("q35",
            Dev("snd9", "sound", model: "ich9"),
            Dev("snd6", "sound", model: "ich6"),
            Controller("ehci1", "usb", 0, "ich9-ehci1"),
            Controller("uhci1", "usb", 0, "ich9-uhci1", options: new ControllerOptions { MasterStartPort = 0 }),
            Controller("uhci2", "usb", 0, "ich9-uhci2", options: new ControllerOptions { MasterStartPort = 2 }),
            Controller("uhci3", "usb", 0, "ich9-uhci3", options: new ControllerOptions { MasterStartPort = 4 }),
            Controller("dmi", "pci", 1, "dmi-to-pci-bridge"),
            Controller("bridge", "pci", 2, "pci-bridge")));

        Assert.Equal("00:1d.0 m", PciOf(plan, "uhci1"));
        Assert.Equal("00:1d.1", PciOf(plan, "uhci2"));
        Assert.Equal("00:1d.2", PciOf(plan, "uhci3"));
        Assert.Equal("00:1d.7", PciOf(plan, "ehci1"));
        Assert.Equal("00:1e.0", PciOf(plan, "dmi"));
        Assert.Equal("01:00.0", PciOf(plan, "bridge"));
        Assert.Equal(2, Find(plan, "bridge").Controller!.ChassisNr);
        Assert.Equal("00:1f.2", Text(ControllerOf(plan, "sata", 0).Address));
        Assert.Equal("00:1b.0", PciOf(plan, "snd9"));
        Assert.Equal("02:01.0", PciOf(plan, "snd6"));
        Assert.Equal([(3, "00:01.0", 3, 0x8)], RootPorts(plan));
        Assert.Equal("03:00.0", Text(Single(plan, "memballoon").Address));
        Assert.Equal(0, plan.Summary.FreeRootPorts);
    }

    [Fact]
    public void Plan_E7_Aarch64Virt_LsilogicBehindBridgeNoUsbNoBalloon()
    {
        var plan = Planned(Request("virt", Disk("vda", "virtio"), Nic("nic", "virtio"), Disk("sda", "scsi", "cdrom"), Dev("serial", "serial"), Dev("console", "console")));

        Assert.Equal([(1, "00:01.0 m", 1, 0x8), (2, "00:01.1", 2, 0x9), (4, "00:01.2", 4, 0xa), (5, "00:01.3", 5, 0xb)], RootPorts(plan));
        Assert.Equal(("pcie-to-pci-bridge", "01:00.0"), (ControllerOf(plan, "pci", 3).Model, Text(ControllerOf(plan, "pci", 3).Address)));
        Assert.Equal("02:00.0", PciOf(plan, "nic"));
        var scsi = ControllerOf(plan, "scsi", 0);
        Assert.Equal(("lsilogic", "03:01.0"), (scsi.Model, Text(scsi.Address)));
        Assert.Equal("04:00.0", PciOf(plan, "vda"));
        Assert.Equal("0:0:0:0", PciOf(plan, "sda"));
        Assert.Null(Find(plan, "serial").Address);
        Assert.DoesNotContain(plan.Devices, d => d.Kind == "memballoon" || d.Type == "usb");
        Assert.Equal(1, plan.Summary.FreeRootPorts);
    }

    [Fact]
    public void Plan_E7_Aarch64VirtWithoutDevices_OnlyPcieRoot()
    {
        var plan = Planned(Request("virt"));

        Assert.Equal("pcie-root", Assert.Single(plan.Devices).Model);
    }

    [Theory]
    [InlineData(28)]
    [InlineData(29)]
    [InlineData(30)]
    public void Plan_E8_PcManyE1000_PciBridgeOnlyWhenRootBusIsFull(int nics)
    {
        var plan = Planned(Request("pc", [.. Enumerable.Range(0, nics).Select(i => Nic($"nic{i}", "e1000"))]));

        var balloon = Text(Single(plan, "memballoon").Address);
        if (nics == 28)
        {
            Assert.Equal(Enumerable.Range(2, 28).Select(s => $"00:{s:x2}.0"), Enumerable.Range(0, 28).Select(i => PciOf(plan, $"nic{i}")));
            Assert.Equal("00:1e.0", balloon);
            Assert.DoesNotContain(plan.Devices, d => d.Model == "pci-bridge");
            return;
        }
        var bridge = ControllerOf(plan, "pci", 1);
        Assert.Equal(("pci-bridge", "00:02.0", 1), (bridge.Model, Text(bridge.Address), bridge.Controller!.ChassisNr));
        Assert.Equal(Enumerable.Range(3, 29).Select(s => $"00:{s:x2}.0"), Enumerable.Range(0, 29).Select(i => PciOf(plan, $"nic{i}")));
        if (nics == 29)
        {
            Assert.Equal("01:01.0", balloon);
        }
        else
        {
            Assert.Equal("01:01.0", PciOf(plan, "nic29"));
            Assert.Equal("01:02.0", balloon);
        }
    }

    [Fact]
    public void Plan_E9_Q35NineVirtioNics_RootPortsFillTwoSlots()
    {
        var plan = Planned(Request("q35", [.. Enumerable.Range(1, 9).Select(i => Nic($"nic{i}", "virtio"))]));

        Assert.Equal(PackedRootPorts(1, 1, 8).Concat(PackedRootPorts(9, 2, 4)), RootPorts(plan));
        Assert.Equal(Enumerable.Range(1, 9).Select(b => $"{b:x2}:00.0"), Enumerable.Range(1, 9).Select(i => PciOf(plan, $"nic{i}")));
        Assert.Equal("0a:00.0", Text(ControllerOf(plan, "usb", 0).Address));
        Assert.Equal("0b:00.0", Text(Single(plan, "memballoon").Address));
        Assert.Equal(1, plan.Summary.FreeRootPorts);
    }

    [Fact]
    public void Plan_E10_PcIdeDisks_DriveAddressesFromNames()
    {
        var plan = Planned(Request("pc", Disk("hda", "ide"), Disk("hdb", "ide"), Disk("hdc", "ide"), Disk("hdd", "ide")));

        Assert.Equal(["0:0:0:0", "0:0:0:1", "0:1:0:0", "0:1:0:1"], new[] { "hda", "hdb", "hdc", "hdd" }.Select(id => PciOf(plan, id)));
        Assert.Equal("00:01.1", Text(ControllerOf(plan, "ide", 0).Address));
        Assert.Equal("00:02.0", Text(Single(plan, "memballoon").Address));
    }

    [Fact]
    public void Plan_E11_Q35SevenSataDisks_SecondAhciBehindBridge()
    {
        string[] disks = ["sda", "sdb", "sdc", "sdd", "sde", "sdf", "sdg"];
        var plan = Planned(Request("q35", [.. disks.Select(d => Disk(d, "sata"))]));

        Assert.Equal(["0:0:0:0", "0:0:0:1", "0:0:0:2", "0:0:0:3", "0:0:0:4", "0:0:0:5", "1:0:0:0"], disks.Select(d => PciOf(plan, d)));
        Assert.Equal([(1, "00:01.0 m", 1, 0x8), (2, "00:01.1", 2, 0x9), (4, "00:01.2", 4, 0xa), (5, "00:01.3", 5, 0xb)], RootPorts(plan));
        Assert.Equal(("pcie-to-pci-bridge", "01:00.0"), (ControllerOf(plan, "pci", 3).Model, Text(ControllerOf(plan, "pci", 3).Address)));
        Assert.Equal("02:00.0", Text(ControllerOf(plan, "usb", 0).Address));
        Assert.Equal("03:01.0", Text(ControllerOf(plan, "sata", 1).Address));
        Assert.Equal("04:00.0", Text(Single(plan, "memballoon").Address));
    }

    [Fact]
    public void Plan_E12_PcEightScsiDisks_TwoLsilogicControllers()
    {
        string[] disks = ["sda", "sdb", "sdc", "sdd", "sde", "sdf", "sdg", "sdh"];
        var plan = Planned(Request("pc", [.. disks.Select(d => Disk(d, "scsi"))]));

        Assert.Equal(["0:0:0:0", "0:0:0:1", "0:0:0:2", "0:0:0:3", "0:0:0:4", "0:0:0:5", "0:0:0:6", "1:0:0:0"], disks.Select(d => PciOf(plan, d)));
        Assert.Equal(("lsilogic", "00:02.0"), (ControllerOf(plan, "scsi", 0).Model, Text(ControllerOf(plan, "scsi", 0).Address)));
        Assert.Equal(("lsilogic", "00:03.0"), (ControllerOf(plan, "scsi", 1).Model, Text(ControllerOf(plan, "scsi", 1).Address)));
        Assert.Equal("00:04.0", Text(Single(plan, "memballoon").Address));
    }

    [Fact]
    public void Plan_E13_Q35VirtioScsiPlusEightDisks_ImplicitSecondControllerIsLsilogic()
    {
        string[] disks = ["sda", "sdb", "sdc", "sdd", "sde", "sdf", "sdg", "sdh"];
        var plan = Planned(Request("q35", [Controller("vscsi", "scsi", 0, "virtio-scsi"), .. disks.Select(d => Disk(d, "scsi"))]));

        Assert.Equal(["0:0:0:0", "0:0:0:1", "0:0:0:2", "0:0:0:3", "0:0:0:4", "0:0:0:5", "0:0:0:6", "1:0:0:0"], disks.Select(d => PciOf(plan, d)));
        Assert.Equal("02:00.0", PciOf(plan, "vscsi"));
        var second = ControllerOf(plan, "scsi", 1);
        Assert.Equal(("lsilogic", "04:01.0"), (second.Model, Text(second.Address)));
        Assert.Equal(("pcie-to-pci-bridge", "01:00.0"), (ControllerOf(plan, "pci", 4).Model, Text(ControllerOf(plan, "pci", 4).Address)));
        Assert.Equal("03:00.0", Text(ControllerOf(plan, "usb", 0).Address));
        Assert.Equal("05:00.0", Text(Single(plan, "memballoon").Address));
    }

    [Fact]
    public void Plan_E14_PcVirtioSerial_PortsPerControllerAndImplicitControllerAppended()
    {
        var plan = Planned(Request("pc",
            Controller("vs1", "virtio-serial", 1, options: new ControllerOptions { Ports = 2 }),
            Dev("con1", "console", "virtio"),
            Dev("chA", "channel", "virtio", target: "a"),
            Dev("chB", "channel", "virtio", target: "b"),
            Dev("chC", "channel", "virtio", target: "c", address: new VirtioSerialAddress(0, 0, 5)),
            Dev("chD", "channel", "virtio", target: "d", address: new VirtioSerialAddress(1, 0, 0)),
            Dev("con2", "console", "virtio")));

        Assert.Equal(new VirtioSerialAddress(0, 0, 1), Find(plan, "chA").Address);
        Assert.Equal(new VirtioSerialAddress(0, 0, 2), Find(plan, "chB").Address);
        Assert.Equal(new VirtioSerialAddress(0, 0, 5), Find(plan, "chC").Address);
        Assert.Equal(new VirtioSerialAddress(1, 0, 1), Find(plan, "chD").Address);
        Assert.Null(Find(plan, "con1").Address);
        Assert.Null(Find(plan, "con2").Address);
        Assert.Equal("00:02.0", PciOf(plan, "vs1"));
        var implicitController = ControllerOf(plan, "virtio-serial", 0);
        Assert.True(implicitController.Added);
        Assert.Equal("00:03.0", Text(implicitController.Address));
        var serialControllers = plan.Devices.Where(d => d.Type == "virtio-serial" && d.Kind == "controller").Select(d => d.Id).ToList();
        Assert.Equal(["vs1", implicitController.Id], serialControllers);
        Assert.Equal("00:04.0", Text(Single(plan, "memballoon").Address));
    }

    [Fact]
    public void Plan_E15_Q35FiveUsbDevices_OneHubAdded()
    {
        var plan = Planned(Request("q35",
            Disk("sdz", "usb"),
            Dev("tablet", "input", "tablet", bus: "usb"),
            Dev("kbd", "input", "keyboard", bus: "usb"),
            Dev("mouse", "input", "mouse", bus: "usb"),
            Dev("redir", "redirdev", "tcp", bus: "usb")));

        var hub = Single(plan, "hub");
        Assert.True(hub.Added);
        Assert.Equal(new UsbAddress(0, "1"), hub.Address);
        Assert.Equal(new UsbAddress(0, "2"), Find(plan, "sdz").Address);
        Assert.Equal(new UsbAddress(0, "3"), Find(plan, "tablet").Address);
        Assert.Equal(new UsbAddress(0, "4"), Find(plan, "kbd").Address);
        Assert.Equal(new UsbAddress(0, "1.1"), Find(plan, "mouse").Address);
        Assert.Equal(new UsbAddress(0, "1.2"), Find(plan, "redir").Address);
    }

    [Fact]
    public void Plan_E16_PcThreeUsbInputs_HubOnPortOne()
    {
        var plan = Planned(Request("pc", Dev("tablet", "input", "tablet", bus: "usb"), Dev("kbd", "input", "keyboard", bus: "usb"), Dev("mouse", "input", "mouse", bus: "usb")));

        Assert.Equal(new UsbAddress(0, "1"), Single(plan, "hub").Address);
        Assert.Equal(new UsbAddress(0, "2"), Find(plan, "tablet").Address);
        Assert.Equal(new UsbAddress(0, "1.1"), Find(plan, "kbd").Address);
        Assert.Equal(new UsbAddress(0, "1.2"), Find(plan, "mouse").Address);
    }

    [Fact]
    public void Plan_E17_Q35PcieExpanderBus_UserPortBehindExpanderAndNoSpare()
    {
        var plan = Planned(Request("q35",
            Controller("pxb", "pci", 1, "pcie-expander-bus", options: new ControllerOptions { NumaNode = 1 }),
            Controller("rp2", "pci", 2, "pcie-root-port", Pci(1, 0)),
            Nic("nicA", "virtio"),
            Nic("nicB", "virtio", Pci(2, 0))) with { NumaNodes = 2 });

        Assert.Equal("00:01.0", PciOf(plan, "pxb"));
        Assert.Equal(254, Find(plan, "pxb").Controller!.BusNr);
        Assert.Equal((2, "01:00.0", 2, 0x0), RootPorts(plan).First());
        Assert.Equal("02:00.0", PciOf(plan, "nicB"));
        Assert.Equal(PackedRootPorts(3, 2, 3), RootPorts(plan).Skip(1));
        Assert.Equal("03:00.0", PciOf(plan, "nicA"));
        Assert.Equal("04:00.0", Text(ControllerOf(plan, "usb", 0).Address));
        Assert.Equal("05:00.0", Text(Single(plan, "memballoon").Address));
        Assert.Equal(0, plan.Summary.FreeRootPorts);
    }

    [Fact]
    public void Plan_E18_PcTwoPciExpanderBuses_BusNumbersCountDown()
    {
        var plan = Planned(Request("pc",
            Controller("pxb1", "pci", 1, "pci-expander-bus", options: new ControllerOptions { NumaNode = 1 }),
            Controller("pxb2", "pci", 2, "pci-expander-bus", options: new ControllerOptions { NumaNode = 0 }),
            Nic("nicA", "e1000", Pci(1, 0)),
            Nic("nicB", "e1000")) with { NumaNodes = 2 });

        Assert.Equal(("00:02.0", 254), (PciOf(plan, "pxb1"), Find(plan, "pxb1").Controller!.BusNr));
        Assert.Equal(("00:03.0", 252), (PciOf(plan, "pxb2"), Find(plan, "pxb2").Controller!.BusNr));
        Assert.Equal("01:00.0", PciOf(plan, "nicA"));
        Assert.Equal("00:04.0", PciOf(plan, "nicB"));
        Assert.Equal("00:05.0", Text(Single(plan, "memballoon").Address));
    }

    [Fact]
    public void Plan_E19_PcUserAddressFirst_VideoMovesOn()
    {
        var plan = Planned(Request("pc", Nic("nic", "virtio", Pci(0, 2)), Disk("vda", "virtio"), Dev("video", "video", model: "vga")));

        Assert.Equal("00:02.0", PciOf(plan, "nic"));
        Assert.Equal("00:03.0", PciOf(plan, "video"));
        Assert.Equal("00:04.0", PciOf(plan, "vda"));
        Assert.Equal("00:05.0", Text(Single(plan, "memballoon").Address));
    }

    [Fact]
    public void Plan_E19_Q35UserAddressOnPrimaryVideoSlot_QxlAndWatchdogBehindBridge()
    {
        var plan = Planned(Request("q35", Nic("nic", "e1000e", Pci(0, 1)), Dev("qxl1", "video", model: "qxl"), Dev("qxl2", "video", model: "qxl"), Dev("wd", "watchdog", model: "i6300esb")));

        Assert.Equal("00:01.0", PciOf(plan, "nic"));
        Assert.Equal([(1, "00:02.0 m", 1, 0x10), (3, "00:02.1", 3, 0x11), (4, "00:02.2", 4, 0x12), (5, "00:02.3", 5, 0x13)], RootPorts(plan));
        Assert.Equal(("pcie-to-pci-bridge", "01:00.0"), (ControllerOf(plan, "pci", 2).Model, Text(ControllerOf(plan, "pci", 2).Address)));
        Assert.Equal("02:01.0", PciOf(plan, "qxl1"));
        Assert.Equal("02:02.0", PciOf(plan, "wd"));
        Assert.Equal("02:03.0", PciOf(plan, "qxl2"));
        Assert.Equal("03:00.0", Text(ControllerOf(plan, "usb", 0).Address));
        Assert.Equal("04:00.0", Text(Single(plan, "memballoon").Address));
    }

    [Fact]
    public void Plan_E20_Q35PersistentAttachOneByOne_UsesSpareThenAddsPortsNoNewSpare()
    {
        var plan = Planned(Request("q35", Nic("nic1", "virtio")));
        Assert.Equal("01:00.0", PciOf(plan, "nic1"));
        Assert.Equal("02:00.0", Text(ControllerOf(plan, "usb", 0).Address));
        Assert.Equal("03:00.0", Text(Single(plan, "memballoon").Address));
        Assert.Equal((4, "00:01.3", 4, 0xb), RootPorts(plan).Last());

        // Each attach re-plans the whole stored definition (every device with the address it has) plus the new device.
        plan = Planned(Attach(plan, Nic("nic2", "virtio")));
        Assert.Equal("04:00.0", PciOf(plan, "nic2"));
        Assert.Equal(4, RootPorts(plan).Count());

        plan = Planned(Attach(plan, Nic("nic3", "virtio")));
        Assert.Equal((5, "00:01.4", 5, 0xc), RootPorts(plan).Last());
        Assert.Equal("05:00.0", PciOf(plan, "nic3"));

        plan = Planned(Attach(plan, Nic("e1000", "e1000")));
        Assert.Equal((6, "00:01.5", 6, 0xd), RootPorts(plan).Last());
        Assert.Equal(("pcie-to-pci-bridge", "06:00.0"), (ControllerOf(plan, "pci", 7).Model, Text(ControllerOf(plan, "pci", 7).Address)));
        Assert.Equal("07:01.0", PciOf(plan, "e1000"));
        Assert.Equal(0, plan.Summary.FreeRootPorts);
    }

    [Fact]
    public void Plan_E20_Q35ThreeDevicesAttachedAtOnce_BridgeTakesTheSpare()
    {
        // The same three attaches in one definition (checked against live libvirt 9.0): the PCI controller pass
        // runs first, so the pcie-to-pci-bridge takes the spare root port.
        var first = Planned(Request("q35", Nic("nic1", "virtio")));

        var plan = Planned(Attach(first, Nic("nic2", "virtio"), Nic("nic3", "virtio"), Nic("e1000", "e1000")));

        Assert.Equal("04:00.0", Text(ControllerOf(plan, "pci", 7).Address));
        Assert.Equal("05:00.0", PciOf(plan, "nic2"));
        Assert.Equal("06:00.0", PciOf(plan, "nic3"));
        Assert.Equal("07:01.0", PciOf(plan, "e1000"));
    }

    /// <summary>The request libvirt re-plans on a persistent attach: the plan's devices as stored, plus the new ones.</summary>
    private static PlanRequest Attach(Plan plan, params Device[] added) => new()
    {
        Machine = plan.Machine,
        Devices = [.. plan.Devices.Select(d => d with { Added = false, Reason = null }), .. added],
    };
}
