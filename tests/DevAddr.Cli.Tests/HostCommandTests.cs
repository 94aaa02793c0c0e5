using DevAddr.Core.Serialization;

namespace DevAddr.Cli.Tests;

/// <summary>
/// <c>devaddr host scan</c>, <c>devaddr plan</c> with a host topology file, and <c>devaddr libvirt domain</c>: output,
/// precise errors and no partial output file.
/// </summary>
public sealed class HostCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("devaddr-host-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(params string[] parts) => Path.Combine([CliRun.Root, "fixtures", .. parts]);

    [Fact]
    public void HostScan_SyntheticTree_WritesItsTopologyValidAgainstTheSchema()
    {
        string output = Path.Combine(_dir, "host.json");

        var r = CliRun.Run("host", "scan", "--sysfs", Fixture("sysfs", "gpu-switch-sriov", "sys"), "-o", output);

        Assert.True(r.ExitCode == 0, r.Error);
        string json = File.ReadAllText(output);
        var (topology, error) = PlanJson.ReadHostTopology(json);
        Assert.Null(error);
        Assert.Equal(15, topology!.Functions.Count);
        Assert.Empty(CliRun.SchemaErrors("host-topology", json));
    }

    [Fact]
    public void HostScan_NotASysfsTree_ErrorExit2AndNoFile()
    {
        string output = Path.Combine(_dir, "host.json");

        var r = CliRun.Run("host", "scan", "--sysfs", _dir, "-o", output);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("[invalid-input/sysfs]", r.Error);
        Assert.Contains("bus/pci/devices does not exist", r.Error);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Plan_HostTopologyFileRelativeToTheRequest_PlansAndWritesTheDomain()
    {
        string plan = Path.Combine(_dir, "plan.json"), xml = Path.Combine(_dir, "guest.xml");

        var r = CliRun.Run("plan", Fixture("hosts", "xe8640", "request.json"), "-o", plan);
        Assert.True(r.ExitCode == 0, r.Error);
        var d = CliRun.Run("libvirt", "domain", plan, "--name", "xe8640", "--memory-mib", "1024", "--vcpus", "4", "-o", xml);

        Assert.True(d.ExitCode == 0, d.Error);
        string text = File.ReadAllText(xml);
        Assert.Contains("<pcihole64 unit=\"KiB\">", text);
        Assert.Contains("<address domain=\"0x0000\" bus=\"0x4a\" slot=\"0x00\" function=\"0x1\" />", text);
        Assert.Contains("<maxphysaddr mode=\"passthrough\" />", text);
        Assert.Contains("<cell id=\"1\" cpus=\"2-3\" memory=\"524288\" unit=\"KiB\" />", text);
    }

    [Theory]
    [InlineData("missing.json", null, "hostTopologyFile: 'missing.json' does not exist")]
    [InlineData("host.json", """{"functions": [{"address": "0000:01:00.0", "class": 3}]}""", "hostTopologyFile 'host.json': malformed host topology (line 1): $.functions[0].class must be a string")]
    [InlineData("host.json", """{"functions": [], "rootComplexes": [{"id": "pci0000:00", "bus": 300}]}""", "hostTopology.rootComplexes[0]: domain 0-65535 and bus 0-255")]
    public void Plan_BadHostTopologyFile_PreciseErrorExit2AndNoPlanFile(string file, string? content, string message)
    {
        if (content is not null) File.WriteAllText(Path.Combine(_dir, file), content);
        string request = Path.Combine(_dir, "request.json"), plan = Path.Combine(_dir, "plan.json");
        File.WriteAllText(request, $$"""{"machine": {"arch": "x86_64", "type": "q35"}, "hostTopologyFile": "{{file}}", "devices": []}""");

        var r = CliRun.Run("plan", request, "-o", plan);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Error);
        Assert.False(File.Exists(plan));
    }

    [Fact]
    public void LibvirtDomain_StandIns_ReplaceHostDevicesWithEmulatedOnes()
    {
        string plan = Path.Combine(_dir, "plan.json");
        Assert.Equal(0, CliRun.Run("plan", Fixture("hosts", "gb200", "request.json"), "-o", plan).ExitCode);

        var r = CliRun.Run("libvirt", "domain", plan, "--type", "qemu", "--stand-ins", Fixture("hosts", "gb200", "host.json"));

        Assert.True(r.ExitCode == 0, r.Error);
        Assert.DoesNotContain("<hostdev", r.Output);
        Assert.Contains("ivshmem-plain", r.Output);
        Assert.Contains("host-0008-01-00-0", r.Output);
        Assert.Contains("<maxphysaddr mode=\"emulate\" bits=\"46\" />", r.Output);
        // Cells 2-5 mirror the GPUs' CPU-less host nodes.
        Assert.Contains("<cell id=\"5\" memory=", r.Output);
        Assert.DoesNotContain("<cell id=\"5\" cpus=", r.Output);
    }
}
