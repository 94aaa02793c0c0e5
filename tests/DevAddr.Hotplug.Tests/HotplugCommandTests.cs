using System.Text.Json;
using DevAddr.Cli;

namespace DevAddr.Hotplug.Tests;

/// <summary>The real root command: devaddr hotplug-check, unplug-check and mapping (exit codes, text and JSON).</summary>
public sealed class HotplugCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = DevAddrCli.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string Case(string name, string file) => Path.Combine(RepoPaths.Hotplug, name, file);

    [Fact]
    public void HotplugCheck_FieldCaseOneSparePort_PrintsVerdictsReasonsAndSuggestionAndExits3()
    {
        var (exit, stdout, stderr) = Run("hotplug-check", Case("q35-one-spare-port-two-virtio-nics", "layout.xml"), Case("q35-one-spare-port-two-virtio-nics", "devices.xml"));

        Assert.Equal(3, exit);
        Assert.Equal("", stderr);
        Assert.StartsWith("hotplug-check: 1/2 devices can be hot-plugged: 1× bus-never-hotplug, 1× no-free-slot\n", stdout, StringComparison.Ordinal);
        Assert.Contains("nic1 (interface/user/virtio): feasible at 0000:04:00.0 on pcie-root-port index 4 at 00:01.3, PCI path 01.3/00.0\n", stdout, StringComparison.Ordinal);
        Assert.Contains("nic2 (interface/user/virtio): INFEASIBLE — libvirt: No more available PCI slots\n", stdout, StringComparison.Ordinal);
        Assert.Contains("  - spare-root-ports (next cold plan): add 1 spare pcie-root-port(s)", stdout, StringComparison.Ordinal);
        Assert.Contains("      tunables: {\"hotplugReserve\":{\"value\":2,\"mode\":\"require\",\"weight\":100}}\n", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void HotplugCheck_Feasible_Exits0AndWritesTheLayoutAfter()
    {
        string output = Path.Combine(Path.GetTempPath(), $"devaddr-hotplug-{Guid.NewGuid():N}.json");
        try
        {
            var (exit, stdout, _) = Run("hotplug-check", Case("pc-root-bus", "layout.xml"), Case("pc-root-bus", "devices.xml"), "--layout-out", output);

            Assert.Equal(0, exit);
            Assert.StartsWith("hotplug-check: 3/3 devices can be hot-plugged\n", stdout, StringComparison.Ordinal);
            var (vexit, vout, _) = Run("validate", output);
            Assert.Equal(0, vexit);
            Assert.Contains("valid:", vout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void HotplugCheck_ReserveOption_TurnsTheGpuFeasible()
    {
        var (before, _, _) = Run("hotplug-check", Case("q35-gpu-16g-no-reserve", "layout.xml"), Case("q35-gpu-16g-no-reserve", "devices.json"));
        var (after, stdout, _) = Run("hotplug-check", Case("q35-gpu-16g-no-reserve", "layout.xml"), Case("q35-gpu-16g-no-reserve", "devices.json"), "--reserve", "4:pref64=16G,mem=32M");

        Assert.Equal((3, 0), (before, after));
        Assert.Contains("gpu (hostdev/pci): feasible at 0000:04:00.0", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void HotplugCheck_JsonFormat_IsTheReport()
    {
        var (exit, stdout, _) = Run("hotplug-check", Case("q35-e1000e-io-seabios", "layout.xml"), Case("q35-e1000e-io-seabios", "devices.xml"), "--firmware", "seabios", "--format", "json");

        Assert.Equal(3, exit);
        using var doc = JsonDocument.Parse(stdout);
        var device = doc.RootElement.GetProperty("devices")[0];
        Assert.Equal("io-window", device.GetProperty("reasons")[0].GetProperty("code").GetString());
        Assert.Equal("guest", device.GetProperty("reasons")[0].GetProperty("layer").GetString());
        Assert.True(doc.RootElement.TryGetProperty("layoutAfter", out _));
    }

    [Theory]
    [InlineData("--format", "xml", 1)]
    [InlineData("--reserve", "pref64=1G", 1)]
    [InlineData("--acpi", "maybe", 1)]
    [InlineData("--firmware", "coreboot", 2)]
    public void HotplugCheck_BadOption_SaysWhyOnStderr(string option, string value, int code)
    {
        var (exit, stdout, stderr) = Run("hotplug-check", Case("pc-root-bus", "layout.xml"), Case("pc-root-bus", "devices.xml"), option, value);

        Assert.Equal(code, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith("devaddr: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void HotplugCheck_MissingDevicesFile_Exits2()
    {
        var (exit, _, stderr) = Run("hotplug-check", Case("pc-root-bus", "layout.xml"), "/nonexistent/devices.json");

        Assert.Equal(2, exit);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void HotplugCheck_NoAcpiOption_OverridesAPlanLayout()
    {
        string plan = Path.Combine(Path.GetTempPath(), $"devaddr-hotplug-{Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, Run("hotplug-check", Case("pc-root-bus", "layout.xml"), Case("pc-root-bus", "devices.xml"), "--layout-out", plan).Exit);
            File.WriteAllText(plan + ".devices.json", """[ { "id": "late", "kind": "interface", "model": "virtio" } ]""");

            var (on, _, _) = Run("hotplug-check", plan, plan + ".devices.json");
            var (off, stdout, _) = Run("hotplug-check", plan, plan + ".devices.json", "--acpi", "off");

            Assert.Equal((0, 3), (on, off));
            Assert.Contains("qemu-bus-no-hotplug [qemu]", stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(plan);
            File.Delete(plan + ".devices.json");
        }
    }

    [Fact]
    public void UnplugCheck_AliasesOfADomainXml_ReportsEachDeviceAndTheLayoutAfter()
    {
        var (exit, stdout, _) = Run("unplug-check", Case("unplug-pc-no-acpi", "layout.xml"), "ua-rootnic", "ua-bridgenic");

        Assert.Equal(3, exit);
        Assert.Contains("interface7 (interface/user/e1000) at 0000:01:03.0 on pci-bridge index 1 at 00:02.0: removable\n", stdout, StringComparison.Ordinal);
        Assert.Contains("NOT removable — libvirt: unable to execute QEMU command 'device_del': Bus 'pci.0' does not support hotplugging", stdout, StringComparison.Ordinal);
        Assert.Contains("layout after removal: 10 devices", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void UnplugCheck_AllRemovable_Exits0()
    {
        Assert.Equal(0, Run("unplug-check", Case("unplug-pc-no-acpi", "layout.xml"), "ua-bridgenic").Exit);
    }

    [Fact]
    public void Mapping_DomainXmlWithHostDevices_PrintsTheTable()
    {
        string xml = Path.Combine(Path.GetTempPath(), $"devaddr-mapping-{Guid.NewGuid():N}.xml");
        try
        {
            File.WriteAllText(xml, """
                <domain type='kvm'><name>m</name><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
                  <controller type='pci' index='0' model='pcie-root'/>
                  <controller type='pci' index='1' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></controller>
                  <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x3b' slot='0x00' function='0x0'/></source>
                    <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></hostdev>
                </devices></domain>
                """);

            var (exit, stdout, _) = Run("mapping", xml);

            Assert.Equal(0, exit);
            Assert.Equal(
                "HOST          GUEST         PCI PATH   GUEST BDF     NUMA  SWITCH  DEVICE                  ON\n" +
                "0000:3b:00.0  0000:01:00.0  02.0/00.0  0000:01:00.0  -     -       hostdev3 (hostdev/pci)  pcie-root-port index 1 at 00:02.0\n",
                stdout);
        }
        finally
        {
            File.Delete(xml);
        }
    }
}
