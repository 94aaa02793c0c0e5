using DevAddr.Core;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Libvirt;
using static DevAddr.Hotplug.Tests.TestPlans;

namespace DevAddr.Hotplug.Tests;

/// <summary><see cref="AddressPlanner.HostMapping"/>: host address → guest address, PCI path and guest BDF.</summary>
public sealed class HostMappingTests
{
    private static IReadOnlyList<HostMapping> Map(Plan plan) =>
        Assert.IsType<HostMappingResult.Mapped>(AddressPlanner.HostMapping(plan)).Mappings;

    [Fact]
    public void HostMapping_HostDevicesBehindRootPortsAndAnExpander_GivesPathBdfAndNumaNode()
    {
        var plan = Plan(new PlanRequest
        {
            Machine = new MachineSpec("x86_64", "q35"),
            NumaNodes = 2,
            Devices =
            [
                new Device { Id = "pcie-root", Kind = "controller", Type = "pci", Index = 0, Model = "pcie-root" },
                new Device { Id = "pxb", Kind = "controller", Type = "pci", Index = 1, Model = "pcie-expander-bus", Controller = new ControllerOptions { BusNr = 100, NumaNode = 1 } },
                new Device { Id = "rp-n1", Kind = "controller", Type = "pci", Index = 2, Model = "pcie-root-port", Address = new PciAddress(0, 1, 0, 0) },
                Gpu("gpu0", "0000:3b:00.0"),
                new Device { Id = "gpu1", Kind = "hostdev", Type = "pci", Host = new HostDevice { Address = "0000:af:00.0" }, Address = new PciAddress(0, 2, 0, 0) },
                Nic("nic0"),
            ],
        });

        var rows = Map(plan);

        Assert.Equal(["gpu0", "gpu1"], rows.Select(r => r.DeviceId));
        var gpu0 = rows[0];
        var gpu1 = rows[1];
        Assert.Equal("0000:3b:00.0", gpu0.HostAddress);
        Assert.Null(gpu0.NumaNode);
        Assert.Equal($"{PortOf(plan, gpu0.GuestAddress):x2}.{PortFn(plan, gpu0.GuestAddress):x}/00.0", gpu0.PciPath);
        Assert.Equal(1, gpu1.NumaNode);
        int pxbSlot = ((PciAddress)plan.Devices.Single(d => d.Id == "pxb").Address!).Slot;
        Assert.Equal($"{pxbSlot:x2}.0/00.0/00.0", gpu1.PciPath);
        Assert.Equal("0000:65:00.0", gpu1.GuestBdf); // the root port behind pxb busNr 100 (0x64) gets bus 0x65
    }

    [Fact]
    public void HostMapping_MirroredSwitches_GivesEachDeviceItsSwitchAndTheControllersAbove()
    {
        string path = Path.Combine(RepoPaths.Root, "fixtures", "hosts", "dgx-h100", "request.json");
        var (request, error) = Core.Serialization.PlanJson.ReadRequest(File.ReadAllText(path));
        Assert.Null(error);
        (request, error) = Core.Host.HostTopologies.ResolveFile(request!, Path.GetDirectoryName(path)!);
        Assert.Null(error);
        var plan = Assert.IsType<PlanResult.Success>(Solver.OptimizingPlanner.Plan(request!)).Plan;

        var rows = Map(plan).ToDictionary(r => r.DeviceId);

        Assert.Equal(20, rows.Count);
        for (int i = 0; i < 8; i++)
        {
            var (gpu, nic) = (rows[$"gpu{i}"], rows[$"rdma{i}"]);
            Assert.NotNull(gpu.Switch);
            Assert.Equal(gpu.Switch, nic.Switch);
            Assert.Equal(["pcie-expander-bus", "pcie-root-port", "pcie-switch-upstream-port", "pcie-switch-downstream-port"], gpu.Upstream.Select(u => u.Split(' ')[0]));
            Assert.Equal(gpu.Switch, gpu.Upstream[2].Split(' ')[1]);
            Assert.Equal(i < 4 ? 0 : 1, gpu.NumaNode);
        }
        Assert.Null(rows["nvme0"].Switch);
        Assert.Equal(["pcie-expander-bus", "pcie-root-port"], rows["nvme0"].Upstream.Select(u => u.Split(' ')[0]));
        Assert.Contains("SWITCH", Cli.Commands.MappingCommand.Text(Map(plan)).Split('\n')[0]);
    }

    private static int PortOf(Plan plan, PciAddress a) => ((PciAddress)plan.Devices.Single(d => d.Kind == "controller" && d.Type == "pci" && d.Index == a.Bus).Address!).Slot;

    private static int PortFn(Plan plan, PciAddress a) => ((PciAddress)plan.Devices.Single(d => d.Kind == "controller" && d.Type == "pci" && d.Index == a.Bus).Address!).Function;

    [Fact]
    public void HostMapping_GuestBdf_NumbersBusesDepthFirstInSlotOrder()
    {
        // Bus numbers follow slot order depth-first, not controller indexes: index 3 (slot 3, with a switch below) is bus 1,
        // its upstream and downstream ports 2 and 3, index 1 (slot 5) bus 4; the expander's port numbers from busNr + 1.
        const string xml = """
            <domain type='kvm'><name>b</name><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
              <controller type='pci' index='0' model='pcie-root'/>
              <controller type='pci' index='1' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></controller>
              <controller type='pci' index='3' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></controller>
              <controller type='pci' index='4' model='pcie-switch-upstream-port'><address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></controller>
              <controller type='pci' index='5' model='pcie-switch-downstream-port'><address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></controller>
              <controller type='pci' index='2' model='pcie-expander-bus'><target busNr='128'/><address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/></controller>
              <controller type='pci' index='6' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/></controller>
              <hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x81' slot='0x00' function='0x1'/></source><address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></hostdev>
              <hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x81' slot='0x00' function='0x2'/></source><address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/></hostdev>
              <hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x81' slot='0x00' function='0x3'/></source><address type='pci' domain='0x0000' bus='0x06' slot='0x00' function='0x0'/></hostdev>
            </devices></domain>
            """;

        var rows = Map(LibvirtHotplug.ReadLayout(xml).Plan).ToDictionary(r => r.HostAddress, r => (r.GuestBdf, r.PciPath));

        Assert.Equal(("0000:04:00.0", "05.0/00.0"), rows["0000:81:00.1"]);
        Assert.Equal(("0000:03:00.0", "03.0/00.0/00.0/00.0"), rows["0000:81:00.2"]);
        Assert.Equal(("0000:81:00.0", "04.0/00.0/00.0"), rows["0000:81:00.3"]);
    }

    [Fact]
    public void HostMapping_SriovInterfaceFromDomainXml_CarriesItsHostAddress()
    {
        const string xml = """
            <domain type='kvm'><name>v</name><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
              <controller type='pci' index='0' model='pcie-root'/>
              <controller type='pci' index='1' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></controller>
              <interface type='hostdev' managed='yes'><source><address type='pci' domain='0x0000' bus='0x3b' slot='0x02' function='0x3'/></source>
                <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></interface>
              <controller type='pci' index='2' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></controller>
              <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0xaf' slot='0x00' function='0x0'/></source>
                <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/></hostdev>
            </devices></domain>
            """;

        var rows = Map(LibvirtHotplug.ReadLayout(xml).Plan);

        Assert.Equal(2, rows.Count);
        var vf = rows.Single(r => r.Device.StartsWith("interface", StringComparison.Ordinal));
        Assert.Equal(("0000:3b:02.3", "0000:01:00.0", "02.0/00.0"), (vf.HostAddress, vf.GuestAddress.ToString(), vf.PciPath));
    }

    [Fact]
    public void HostMapping_NoHostDevices_IsEmpty()
    {
        Assert.Empty(Map(Plan("pc", Nic("nic0"))));
    }
}
