using DevAddr.Core.Host;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using static DevAddr.Solver.Tests.PlanHelpers;

namespace DevAddr.Solver.Tests;

/// <summary>
/// Passed-through devices mirroring the host topology (fixtures/hosts): one expander bus per host NUMA node or root
/// complex, guest switches for host switches and peer-to-peer groups, windows sized from the host's BARs, and the
/// errors and infeasibilities of each tunable.
/// </summary>
public sealed class MirrorTests
{
    public static TheoryData<string, string> HostsAndModes()
    {
        var data = new TheoryData<string, string>();
        foreach (string host in new[] { "dgx-h100", "xe8640", "gb200" })
            foreach (string mode in new[] { "numa", "root-complex", "switch" })
                data.Add(host, mode);
        return data;
    }

    /// <summary>fixtures/hosts/NAME/request.json with its host topology read, under a mirror mode.</summary>
    internal static PlanRequest HostRequest(string host, string? mode = null)
    {
        string path = Path.Combine(RepoRoot, "fixtures", "hosts", host, "request.json");
        var (request, error) = PlanJson.ReadRequest(File.ReadAllText(path));
        Assert.Null(error);
        (request, error) = HostTopologies.ResolveFile(request!, Path.GetDirectoryName(path)!);
        Assert.Null(error);
        if (mode is null) return request!;
        var t = request!.Policy.Tunables! with { Mirror = Req(mode) };
        return request with { Policy = request.Policy with { Tunables = t } };
    }

    [Theory]
    [MemberData(nameof(HostsAndModes))]
    public void Plan_RealHostUnderEachMirrorMode_MirrorsTheHost(string host, string mode)
    {
        var request = HostRequest(host, mode);
        var plan = PlanOk(request);
        var index = HostTopologyIndex.Create(request.HostTopology!).Index!;

        Assert.Equal("optimal", plan.Solver!.Status);
        Assert.Equal(mode, plan.Solver.Mirror!.Mode);
        var hostDevices = plan.Devices.Where(HostTopologies.IsHostPci).ToList();
        Assert.NotEmpty(hostDevices);
        foreach (var d in hostDevices)
        {
            var f = index.Find(d.Host!.Address)!;
            int hostNode = index.NodeOf(f)!.Value;
            int cell = request.Policy.Tunables!.HostNumaMap?.GetValueOrDefault(hostNode.ToString(System.Globalization.CultureInfo.InvariantCulture), hostNode) ?? hostNode;
            Assert.Equal(cell, plan.NodeOf(d.Id));
        }
        var expanderOf = hostDevices.ToDictionary(d => d.Id, d => plan.ExpanderOf(d.Id));
        if (mode == "numa")
        {
            // One expander bus per guest cell.
            Assert.All(hostDevices.GroupBy(d => plan.NodeOf(d.Id)), g => Assert.Single(g.Select(d => expanderOf[d.Id]).Distinct()));
        }
        else
        {
            // One expander bus per host root complex: the same for devices of one root complex, distinct otherwise.
            foreach (var a in hostDevices)
                foreach (var b in hostDevices)
                    Assert.Equal(index.Find(a.Host!.Address)!.RootComplex == index.Find(b.Host!.Address)!.RootComplex, expanderOf[a.Id] == expanderOf[b.Id]);
        }
        if (mode == "switch")
        {
            // Devices under one host switch (or in one p2p group) share one guest switch.
            foreach (var a in hostDevices)
                foreach (var b in hostDevices)
                {
                    string? sa = index.SwitchOf(index.Find(a.Host!.Address)!), sb = index.SwitchOf(index.Find(b.Host!.Address)!);
                    if (sa is not null && sa == sb) Assert.Equal(plan.SwitchOf(a.Id), plan.SwitchOf(b.Id));
                }
        }
        foreach (var g in hostDevices.Where(d => d.Tunables?.P2pGroup is not null).GroupBy(d => d.Tunables!.P2pGroup!.Value))
            Assert.Single(g.Select(d => plan.SwitchOf(d.Id)).Distinct());

        var windows = plan.Solver.Windows!;
        Assert.Equal(0, windows.IoBytes);
        Assert.True(windows.PciHole64Bytes >= windows.Mmio64Bytes + windows.Mmio64AlignmentBytes, $"hole {windows.PciHole64Bytes}, windows {windows.Mmio64Bytes}");
        Assert.Equal(windows.PciHole64Bytes, plan.Bus(0).Controller!.PciHole64);
    }

    [Fact]
    public void Plan_DgxH100Switch_EightGpusEachWithItsNicUnderOneSwitchAnd384GiBWindows()
    {
        var plan = PlanOk(HostRequest("dgx-h100"));
        for (int i = 0; i < 8; i++)
        {
            Assert.NotNull(plan.SwitchOf($"gpu{i}"));
            Assert.Equal(plan.SwitchOf($"gpu{i}"), plan.SwitchOf($"rdma{i}"));
        }
        Assert.Equal(8, plan.Solver!.Mirror!.Switches.Count);
        // Each switch: a 256 GiB window for the GPU (128 GiB + 48 MiB of BARs, aligned to 128 GiB) and 32 MiB for the
        // NIC, rounded up to a multiple of 128 GiB: 384 GiB; 1 MiB for the virtio NIC (the NVMe BARs are not prefetchable).
        Assert.Equal(8 * (384L << 30) + (1L << 20), plan.Solver.Windows!.Mmio64Bytes);
        Assert.Equal(0, plan.Solver.Windows.Pref64ReserveBytes);
    }

    [Fact]
    public void Plan_Gb200Numa_GpusOnCpuLessCells()
    {
        var plan = PlanOk(HostRequest("gb200"));
        var cells = plan.Solver!.Mirror!.NumaCells;
        Assert.Equal([0, 1, 2, 3, 4, 5], cells.Select(c => c.Cell));
        Assert.Equal([true, true, false, false, false, false], cells.Select(c => c.Cpus));
        Assert.Equal(2, plan.NodeOf("gpu0"));
        Assert.Equal(5, plan.NodeOf("gpu3"));
        Assert.Equal(0, plan.NodeOf("nic1"));
    }

    [Fact]
    public void Plan_WholeIommuGroups_FunctionsOfOneHostDeviceShareAGuestSlot()
    {
        var plan = PlanOk(HostRequest("xe8640"));
        var a = plan.Pci("e810-0");
        var b = plan.Pci("e810-1");
        Assert.Equal((a.Bus, a.Slot, 0, 1), (b.Bus, b.Slot, a.Function, b.Function));
        Assert.True(a.Multifunction);
    }

    [Fact]
    public void Plan_WholeIommuGroupsRequiredWithAFunctionMissing_RefusedNamingIt()
    {
        var request = HostRequest("xe8640");
        var error = PlanFails(request with { Devices = request.Devices.Where(d => d.Id != "e810-1").ToList() });
        Assert.Equal(("invalid-input", "whole-iommu-groups", "e810-0"), (error.Code, error.Rule, error.DeviceId));
        Assert.Contains("IOMMU group 40 also holds 0000:4a:00.1", error.Message);
    }

    [Fact]
    public void Plan_WholeIommuGroupsPreferredWithAFunctionMissing_PlannedAndReported()
    {
        var request = HostRequest("xe8640");
        request = request with
        {
            Devices = request.Devices.Where(d => d.Id != "e810-1").ToList(),
            Policy = request.Policy with { Tunables = request.Policy.Tunables! with { WholeIommuGroups = Pref(true, 7) } },
        };
        var plan = PlanOk(request);
        var unmet = Assert.Single(plan.Solver!.Unmet, u => u.Tunable == "wholeIommuGroups");
        Assert.Equal(7, unmet.Cost);
    }

    [Fact]
    public void Plan_P2pGroupAcrossRootComplexesRequired_InfeasibleNamingBoth()
    {
        var error = PlanFails(GpuAndCx6InOneP2pGroup(HostRequest("xe8640")));
        Assert.Equal(ErrorCodes.Infeasible, error.Code);
        Assert.Contains("on the expander bus of host root complex pci0000:26", error.Message);
        Assert.Contains("on the expander bus of host root complex pci0000:59", error.Message);
        Assert.Contains("under the guest switch of p2p group 'rail0'", error.Message);
    }

    [Fact]
    public void Plan_P2pGroupAcrossRootComplexesMirrorPreferred_SwitchKeptMirrorMissReported()
    {
        var request = GpuAndCx6InOneP2pGroup(HostRequest("xe8640"));
        var plan = PlanOk(request with { Policy = request.Policy with { Tunables = request.Policy.Tunables! with { Mirror = Pref("root-complex", 10) } } });
        Assert.Equal(plan.SwitchOf("gpu0"), plan.SwitchOf("cx6-0"));
        var unmet = Assert.Single(plan.Solver!.Unmet, u => u.Tunable == "mirror");
        Assert.Equal(10, unmet.Cost);
    }

    /// <summary>GPU0 (host root complex 26) and the first ConnectX-6 Dx port (root complex 59) in p2p group rail0.</summary>
    private static PlanRequest GpuAndCx6InOneP2pGroup(PlanRequest request) => request with
    {
        Devices = request.Devices.Select(d => d.Id is "cx6-0" or "gpu0" ? d with { Tunables = new DeviceTunables { P2pGroup = Req("rail0") } } : d).ToList(),
    };

    [Fact]
    public void Plan_HoleTooSmallForEightGpus_InfeasibleNamingTheWindow()
    {
        var error = PlanFails(Load("mirror-dgx-h100-hole-too-small"));
        Assert.Equal(ErrorCodes.Infeasible, error.Code);
        Assert.Contains("64-bit MMIO window of 1048576 MiB", error.Message);
        Assert.Contains("the devices' 64-bit windows need at least 2097409 MiB", error.Message);
    }

    [Fact]
    public void Plan_SparePref64Host_SparePortsReserveAGpuWindow()
    {
        var request = HostRequest("gb200");
        request = request with
        {
            Policy = request.Policy with
            {
                Tunables = request.Policy.Tunables! with { HotplugReserve = Req(2), Windows = new WindowTunables { SparePref64 = "host" } },
            },
        };
        var plan = PlanOk(request);
        var spare = plan.Devices.Where(d => d.Controller?.Reserve?.Pref64 is not null).ToList();
        Assert.Equal(2, spare.Count);
        Assert.All(spare, d => Assert.Equal(256L << 30, d.Controller!.Reserve!.Pref64));
        Assert.Equal(512L << 30, plan.Solver!.Windows!.Pref64ReserveBytes);
    }

    [Fact]
    public void Plan_SameRequestTwiceAndOnTwoWorkers_SamePlan()
    {
        var request = HostRequest("dgx-h100");
        string once = PlanJson.Serialize(PlanOk(request));
        string again = PlanJson.Serialize(PlanOk(request));
        string twoWorkers = PlanJson.Serialize(PlanOk(request with { Policy = request.Policy with { Solver = new SolverSettings { Threads = 2 } } }));
        Assert.Equal(once, again);
        Assert.Equal(once, twoWorkers);
    }

    public static TheoryData<string, string, string, string?> BadRequests() => new()
    {
        { "mirror without topology", """{"machine":{"arch":"x86_64","type":"q35"},"policy":{"name":"optimize","tunables":{"mirror":{"value":"numa"}}}}""", "mirror", null },
        { "unknown mirror mode", """{"machine":{"arch":"x86_64","type":"q35"},"policy":{"name":"optimize","tunables":{"mirror":{"value":"rack"}}}}""", "mirror", null },
        { "p2p group on pc", """{"machine":{"arch":"x86_64","type":"pc"},"policy":{"name":"optimize"},"devices":[{"id":"a","kind":"interface","model":"virtio","tunables":{"p2pGroup":{"value":"x"}}}]}""", "p2p-group", "a" },
        { "bad hole size", """{"machine":{"arch":"x86_64","type":"q35"},"policy":{"name":"optimize","tunables":{"windows":{"pciHole64":"lots"}}}}""", "windows", null },
        { "map key not a node", """{"machine":{"arch":"x86_64","type":"q35"},"numaNodes":2,"policy":{"name":"optimize","tunables":{"hostNumaMap":{"x":1}}}}""", "host-numa-map", null },
        { "map to a missing cell", """{"machine":{"arch":"x86_64","type":"q35"},"numaNodes":2,"policy":{"name":"optimize","tunables":{"hostNumaMap":{"3":2}}}}""", "host-numa-map", null },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Plan_BadPassthroughTunables_InvalidInputNamingTheRule(string what, string json, string rule, string? deviceId)
    {
        var (request, error) = PlanJson.ReadRequest(json);
        Assert.Null(error);
        var failure = PlanFails(request!);
        Assert.True((ErrorCodes.InvalidInput, rule, deviceId) == (failure.Code, failure.Rule, failure.DeviceId), $"{what}: {failure}");
    }

    [Fact]
    public void Plan_HostDeviceNotInTopology_RefusedNamingDeviceAndAddress()
    {
        var request = HostRequest("dgx-h100");
        request = request with { Devices = [.. request.Devices, new Device { Id = "gpu9", Kind = "hostdev", Type = "pci", Host = new HostDevice { Address = "0000:9b:00.0" } }] };
        var error = PlanFails(request);
        Assert.Equal(("invalid-input", "host-device-known", "gpu9"), (error.Code, error.Rule, error.DeviceId));
        Assert.Contains("0000:9b:00.0 is not a function of the host topology", error.Message);
    }

    [Fact]
    public void Plan_HostNodeWithoutGuestCell_RefusedNamingTheDevice()
    {
        var request = HostRequest("gb200");
        request = request with { Policy = request.Policy with { Tunables = request.Policy.Tunables! with { HostNumaMap = null } } };
        var error = PlanFails(request);
        // gpu0's node 2 has a cell (the guest has 6), gpu1's node 10 has none.
        Assert.Equal(("invalid-input", "numa-node-exists", "gpu1"), (error.Code, error.Rule, error.DeviceId));
        Assert.Contains("its host NUMA node 10 has no guest cell (the guest has 6)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"functions":[{"address":"0000:01:00.0","class":"0x030200","vendor":"0x10de","device":"0x2330","rootComplex":"pci0000:00","portType":"endpoint","bars":[{"index":0,"size":3,"kind":"mem64pref"}]}],"rootComplexes":[{"id":"pci0000:00"}]}""",
        "hostTopology.functions[0].bars[0].size: 3 is not a power of two")]
    [InlineData("""{"functions":[{"address":"0000:01:00.0","class":"0x030200","vendor":"0x10de","device":"0x2330","rootComplex":"pci0000:77","portType":"endpoint"}],"rootComplexes":[{"id":"pci0000:00"}]}""",
        "hostTopology.functions[0].rootComplex: 'pci0000:77' is not one of hostTopology.rootComplexes")]
    [InlineData("""{"functions":[{"address":"0000:01:00.0","class":"0x030200","vendor":"0x10de","device":"0x2330","rootComplex":"pci0000:00","portType":"endpoint","upstream":["0000:00:01.0"]}],"rootComplexes":[{"id":"pci0000:00"}]}""",
        "hostTopology.functions[0].upstream[0]: '0000:00:01.0' is not a function of this topology")]
    public void Plan_MalformedHostTopology_RefusedWithJsonPath(string topology, string message)
    {
        string json = $$$"""{"machine":{"arch":"x86_64","type":"q35"},"hostTopology":{{{topology}}},"devices":[{"id":"gpu","kind":"hostdev","type":"pci","host":{"address":"0000:01:00.0"}}]}""";
        var (request, readError) = PlanJson.ReadRequest(json);
        Assert.Null(readError);
        var error = PlanFails(request!);
        Assert.Equal(("invalid-input", "host-topology"), (error.Code, error.Rule));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
