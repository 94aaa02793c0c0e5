using DevAddr.Core.Model;
using DevAddr.Golden;
using Xunit.Abstractions;

namespace DevAddr.Golden.Tests;

/// <summary>
/// The golden plans (fixtures/golden/plans): every case planned by this build must equal its golden file byte for
/// byte. A difference prints which devices moved and how; an intended change is made with <c>tools/golden.sh update</c>
/// (and, when it changes what a policy outputs, a new policy version).
/// </summary>
public sealed class GoldenPlansTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyList<GoldenCase>> AllCases = new(() => GoldenSet.Cases(RepoPaths.Root));

    [Fact]
    public void EveryGoldenPlan_IsReproducedByteForByte()
    {
        var cases = AllCases.Value;
        var texts = GoldenSet.RunAll(cases);
        var report = GoldenReport.Compare(GoldenSet.PlansDir(RepoPaths.Root), cases, texts);

        string rendered = report.Render();
        output.WriteLine(rendered);
        Console.WriteLine("[golden] " + report.Summary);
        Assert.True(report.Clean, "the plans of unchanged requests changed (run tools/golden.sh update to review and accept an intended change):\n" + rendered);
    }

    [Fact]
    public void GoldenPlans_CoverEveryPolicyVersion()
    {
        var labels = AllCases.Value.Select(c => c.Path.Split('/')[0]).ToHashSet(StringComparer.Ordinal);
        var expected = PolicyVersions.All.SelectMany(v => v.Policy == PolicySpec.Libvirt
            ? [v.Label]
            : Core.Catalog.DeviceCatalog.Default.LibvirtVersions.Select(l => $"{v.Label}-libvirt-{l.Version}"));

        Assert.All(expected, label => Assert.Contains(label, labels));
    }

    [Fact]
    public void GeneratedGoldenRequests_CoverEveryGeneratedMachineType_UnderTheDefaultAndThreeOptimizePolicies()
    {
        var generated = AllCases.Value.Where(c => c.Path.Contains("/generated", StringComparison.Ordinal)).ToList();
        var perMachine = generated.Where(c => c.Path.Contains("/generated.libvirt/", StringComparison.Ordinal))
            .GroupBy(c => c.Request.Machine.Arch + "/" + c.Request.Machine.Type).ToDictionary(g => g.Key, g => g.Count());
        var variants = generated.Select(c => c.Path.Split('/')[1]).Distinct().Order(StringComparer.Ordinal);

        Assert.Equal(["generated-numa.numa", "generated.budgets", "generated.libvirt", "generated.reserves"], variants);
        Assert.Equal(3, perMachine.Count);
        Assert.All(perMachine.Values, n => Assert.True(n >= 60, $"{n} generated requests of a machine type"));
        Console.WriteLine($"[golden] generated requests per machine type: {string.Join(", ", perMachine.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"))}");
    }

    [Fact]
    public void GoldenCases_PinTheirPolicyVersion()
    {
        Assert.All(AllCases.Value, c =>
        {
            var p = c.Request.Policy;
            Assert.NotNull(p.Version);
            Assert.StartsWith(p.Name == PolicySpec.Libvirt ? $"{p.Name}-{p.Version}/" : $"{p.Name}-{p.Version}-libvirt-{p.LibvirtVersion}/", c.Path, StringComparison.Ordinal);
        });
    }
}
