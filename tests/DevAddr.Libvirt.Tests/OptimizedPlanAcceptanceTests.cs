using System.Globalization;
using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Libvirt.Tests.Oracle;
using DevAddr.Solver;
using Xunit.Abstractions;

namespace DevAddr.Libvirt.Tests;

/// <summary>
/// Plans of the optimizing policy are valid for libvirt: random guests with random tunables are planned,
/// written as domain XML and run through live libvirt, which must change no address and add nothing.
/// </summary>
public sealed class OptimizedPlanAcceptanceTests(ITestOutputHelper output)
{
    private static readonly (ulong Seed, int Count, CaseProfile Profile)[] Batches =
    [
        (9201, 200, CaseProfile.Dev),
        (9202, 150, CaseProfile.Wide),
        (9203, 150, CaseProfile.Breadth),
        // pseries (NUMA nodes on extra PCI host bridges), s390x (CCW devices refuse PCI tunables), riscv64, armv7l, virtio-mmio.
        (9204, 150, CaseProfile.Arches),
    ];

    /// <summary>Random tunables for a guest: global ones, and per-device ones on some PCI devices.</summary>
    internal static PlanRequest WithRandomTunables(PlanRequest request, SplitMix64 rng)
    {
        var global = new Tunables
        {
            HotplugReserve = rng.Chance(0.6) ? new Tunable<int> { Value = rng.Between(0, 8), Mode = rng.Pick(TunableModes.Require, TunableModes.Prefer) } : null,
            OccupiedPortHotplug = rng.Chance(0.3) ? false : null,
            BusKind = rng.Chance(0.15) ? new Tunable<string> { Value = rng.Pick("pcie", "pci"), Mode = TunableModes.Prefer, Weight = rng.Between(1, 50) } : null,
            Hotpluggable = rng.Chance(0.1) ? new Tunable<bool> { Value = rng.Chance(0.5), Mode = TunableModes.Prefer, Weight = 20 } : null,
            HotplugReservePerNode = request.NumaNodes > 0 && rng.Chance(0.3)
                ? new Dictionary<string, Tunable<int>> { [rng.Below(request.NumaNodes).ToString(CultureInfo.InvariantCulture)] = new() { Value = rng.Between(1, 3) } }
                : null,
        };
        // Root-port reserves on PCI Express machines (written as <qemu:override>, which libvirt must keep).
        if (Core.Catalog.DeviceCatalog.Default.FindMachine(request.Machine.Arch, request.Machine.Type) is { IsPcie: true } && rng.Chance(0.3))
            global = global with
            {
                SparePortReserve = new PortReserve { Bus = rng.Between(0, 2), Io = rng.Chance(0.5) ? 0 : 4096, Mem = rng.Between(1, 8) * (1L << 20), Pref64 = rng.Between(1, 4) * (1L << 30) },
            };
        var devices = new List<Device>();
        int groupCount = 0;
        foreach (var d in request.Devices)
        {
            DeviceTunables? t = null;
            if (d.Address is null && d.Kind is "interface" or "disk" or "rng" or "hostdev" && (d.Kind != "disk" || d.Bus == "virtio"))
            {
                if (request.NumaNodes > 0 && rng.Chance(0.4))
                    t = new DeviceTunables { NumaNode = new Tunable<int> { Value = rng.Below(request.NumaNodes), Mode = rng.Pick(TunableModes.Require, TunableModes.Prefer) } };
                else if (rng.Chance(0.15))
                    t = new DeviceTunables { Hotpluggable = new Tunable<bool> { Value = rng.Chance(0.5), Mode = TunableModes.Prefer, Weight = 10 } };
                else if (d.Kind == "hostdev" && global.SparePortReserve is not null && rng.Chance(0.3))
                    t = new DeviceTunables { PortReserve = new PortReserve { Pref64 = rng.Between(1, 8) * (1L << 30) } };
                else if (d.Kind == "interface" && rng.Chance(0.1) && groupCount < 4)
                {
                    t = new DeviceTunables { Group = "g" + (groupCount / 2).ToString(CultureInfo.InvariantCulture) };
                    groupCount++;
                }
            }
            devices.Add(t is null ? d : d with { Tunables = t });
        }
        return request with
        {
            Policy = new PolicySpec { Name = PolicySpec.Optimize, Tunables = global },
            Devices = devices,
        };
    }

    [LibvirtOracleFact]
    public void OptimizedPlans_RandomGuestsAndTunables_LibvirtChangesNoAddress()
    {
        LibvirtOracleFactAttribute.RequireOracle();
        PlansAcceptedUnchanged(Oracle90.Version, LibvirtOracle.ExpandDirectory, minimumPlanned: 560);
    }

    /// <summary>The optimize policy following libvirt 11.3's rules: live libvirt 11.3 keeps its plans as they are.</summary>
    [Libvirt11OracleFact]
    public void OptimizedPlansFor113_RandomGuestsAndTunables_Libvirt113ChangesNoAddress()
    {
        Libvirt11OracleFactAttribute.RequireOracle();
        PlansAcceptedUnchanged("11.3", LibvirtOracle11.ExpandDirectory, minimumPlanned: 530);
    }

    /// <summary>
    /// Plans the generated guests with random tunables under the optimize policy following <paramref name="release"/>,
    /// writes each plan as domain XML and has that release's live libvirt expand them again: nothing may move.
    /// </summary>
    private void PlansAcceptedUnchanged(string release, Func<string, string, int> oracle, int minimumPlanned)
    {
        using var work = new TempDirectory();
        string input = work.Sub("input"), ours = work.Sub("ours"), libvirt = work.Sub("libvirt");
        foreach (var b in Batches) CaseGenerator.WriteDirectory(input, b.Seed, b.Count, b.Profile);

        int planned = 0, rejected = 0, invalidInput = 0, withReserves = 0, withNodeBridges = 0;
        var reasons = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(input, "*.xml").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(file);
            DomainXml domain;
            try { domain = DomainXml.Parse(File.ReadAllText(file)); }
            catch (DomainXmlException) { invalidInput++; continue; }
            var rng = new SplitMix64(unchecked((ulong)name.GetHashCode(StringComparison.Ordinal) * 0 + (ulong)planned + (ulong)rejected * 7919 + 17));
            var request = WithRandomTunables(domain.Request, rng);
            switch (OptimizingPlanner.Plan(request with { Policy = request.Policy with { LibvirtVersion = release } }))
            {
                case PlanResult.Success s:
                    var violations = AddressPlanner.Validate(s.Plan);
                    Assert.True(violations.Count == 0, $"{name}: " + string.Join("; ", violations.Select(v => v.Message)));
                    File.WriteAllText(Path.Combine(ours, name + ".xml"), DomainXmlWriter.Write(domain, s.Plan));
                    planned++;
                    if (s.Plan.Devices.Any(d => d.Controller?.Reserve is not null)) withReserves++;
                    if (s.Plan.Devices.Any(d => d is { Model: "pci-root", Added: true, Controller.NumaNode: not null })) withNodeBridges++;
                    break;
                case PlanResult.Failure f:
                    rejected++;
                    reasons[f.Error.Code] = reasons.GetValueOrDefault(f.Error.Code) + 1;
                    break;
            }
        }

        oracle(ours, libvirt);
        var report = DomainComparer.CompareDirectories(ours, libvirt);
        ReportWriter.Note(output, $"libvirt {release}: planned {planned} ({withReserves} with root-port reserves, {withNodeBridges} with added PCI host bridges on a NUMA node), rejected {rejected} ({string.Join(", ", reasons.Select(kv => $"{kv.Key}: {kv.Value}"))}), unreadable {invalidInput}");
        ReportWriter.Publish(output, $"optimizing policy following libvirt {release}: our plans re-expanded by live libvirt {release} ({planned} plans)", report);
        Assert.True(planned >= minimumPlanned, $"only {planned} of {Batches.Sum(b => b.Count)} guests were planned");
        Assert.Equal(planned, report.Cases.Count);
        Assert.Equal(0, report.Failed);
    }
}
