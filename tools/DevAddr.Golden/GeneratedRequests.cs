using System.Text;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Libvirt;
using DevAddr.Libvirt.Tests.Oracle;

namespace DevAddr.Golden;

/// <summary>
/// Draws the generated golden requests from the differential tests' guest generator (fixed seeds) and freezes them
/// as request files under <c>fixtures/golden/requests</c>: the golden plans then depend on those files only, not on
/// the generator, which may grow. Guests the XML adapter cannot read (some deliberately invalid ones) are skipped.
/// </summary>
internal static class GeneratedRequests
{
    /// <summary>Generated guests per profile and machine type in the <c>generated</c> set (3 profiles × 3 machine types).</summary>
    private const int PerProfileAndMachine = 27;

    /// <summary>Guests per machine type in the <c>generated-numa</c> set.</summary>
    private const int NumaPerMachine = 14;

    /// <summary>Rewrites the request files; returns how many were written per set.</summary>
    public static IReadOnlyList<(string Set, int Count)> Write(string root)
    {
        string dir = Path.Combine(GoldenSet.GoldenDir(root), "requests");
        var generated = new List<(string, PlanRequest)>();
        foreach (var (seed, profile) in new[] { (9301UL, CaseProfile.Dev), (9302UL, CaseProfile.Wide), (9303UL, CaseProfile.Breadth) })
            generated.AddRange(Draw(seed, profile, PerProfileAndMachine));
        var numa = Draw(9304, CaseProfile.Wide, NumaPerMachine).Select(g => (g.Name, WithNuma(g.Request))).ToList();
        return [("generated", Replace(Path.Combine(dir, "generated"), generated)), ("generated-numa", Replace(Path.Combine(dir, "generated-numa"), numa))];
    }

    /// <summary>The first <paramref name="perMachine"/> readable guests of each machine type the generator draws from the seed.</summary>
    private static List<(string Name, PlanRequest Request)> Draw(ulong seed, CaseProfile profile, int perMachine)
    {
        var taken = new Dictionary<MachineKind, int>();
        var list = new List<(string, PlanRequest)>();
        foreach (var c in CaseGenerator.Generate(seed, 100 * perMachine, profile))
        {
            if (taken.GetValueOrDefault(c.Machine) >= perMachine) continue;
            PlanRequest request;
            try
            {
                request = DomainXml.Parse(c.Xml).Request;
            }
            catch (DomainXmlException)
            {
                continue;
            }

            taken[c.Machine] = taken.GetValueOrDefault(c.Machine) + 1;
            list.Add((c.Name, request));
            if (taken.Count == 3 && taken.Values.All(n => n >= perMachine)) break;
        }

        return list;
    }

    /// <summary>
    /// The guest with at least two NUMA nodes and a preferred node for each virtio disk and NIC (round robin over the
    /// nodes), for the NUMA policy.
    /// </summary>
    private static PlanRequest WithNuma(PlanRequest request)
    {
        int nodes = Math.Max(request.NumaNodes, 2), k = 0;
        var devices = request.Devices.Select(d =>
            d.Kind == "interface" || (d.Kind == "disk" && d.Bus == "virtio")
                ? d with { Tunables = (d.Tunables ?? new DeviceTunables()) with { NumaNode = new Tunable<int> { Value = k++ % nodes, Mode = TunableModes.Prefer } } }
                : d).ToList();
        return request with { NumaNodes = nodes, Devices = devices };
    }

    private static int Replace(string dir, List<(string Name, PlanRequest Request)> requests)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        foreach (var (name, request) in requests)
            File.WriteAllBytes(Path.Combine(dir, name + ".json"), Encoding.UTF8.GetBytes(PlanJson.Serialize(request)));
        return requests.Count;
    }
}
