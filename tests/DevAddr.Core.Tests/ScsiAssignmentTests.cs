using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DevAddr.Core.Model;

namespace DevAddr.Core.Tests;

/// <summary>
/// SCSI drive-address assignment of the libvirt policy on large generated guests (<see cref="ScsiGuests"/>):
/// 1 to 4,096 SCSI disks and host devices mixed (some with most disks at high units of virtio-scsi controllers), several controllers of several models, some user addresses, and
/// some guests with a conflicting address. The reference is the output of the straightforward implementation
/// (every candidate unit checked against every device, as libvirt's virDomainSCSIDriveAddressIsUsed does), saved in
/// Data/scsi-assignment.txt before the occupancy-set implementation replaced it: per guest, the drive address of
/// every disk and host device and the index, model and PCI address of every SCSI controller (guests up to 800
/// devices), and a SHA-256 digest of every device's id, kind, type, model, index and address (all guests), or the
/// error. Regenerate with DEVADDR_UPDATE_SCSI_GOLDEN=1 (only when the intended output changes).
/// </summary>
public sealed class ScsiAssignmentTests
{
    private static string GoldenFile => Path.Combine(RepoPaths.Root, "tests", "DevAddr.Core.Tests", "Data", "scsi-assignment.txt");

    /// <summary>The guests: name → request. Listing is written for guests of at most this many devices.</summary>
    private const int ListedUpTo = 800;

    private static IEnumerable<(string Name, int Size, PlanRequest Request)> Cases()
    {
        foreach (string machine in new[] { "pc", "q35" })
        {
            foreach (int size in new[] { 1, 2, 7, 8, 9, 15, 50, 120, 400, 800 })
                yield return ($"{machine}-mixed-{size}-s1", size, ScsiGuests.Create(machine, size, 1));
            foreach (int size in new[] { 8, 30, 100 })
            {
                yield return ($"{machine}-mixed-{size}-s2", size, ScsiGuests.Create(machine, size, 2));
                yield return ($"{machine}-mixed-{size}-s3", size, ScsiGuests.Create(machine, size, 3));
            }
            foreach (int size in new[] { 20, 300 })
                yield return ($"{machine}-conflict-{size}", size, ScsiGuests.Create(machine, size, 4, conflict: true));
        }
        yield return ("pc-hostdevs-800", 800, ScsiGuests.HostdevsOnly("pc", 800));
        yield return ("pc-dense-800", 800, ScsiGuests.Create("pc", 800, 5, dense: true));
        yield return ("q35-dense-800", 800, ScsiGuests.Create("q35", 800, 5, dense: true));
        // The request limit. Host devices alone and the mixed guests need more SCSI controllers than PCI holds (the
        // error comes after every drive address is assigned); the dense guests plan.
        yield return ("pc-hostdevs-4096", 4096, ScsiGuests.HostdevsOnly("pc", 4096));
        yield return ("q35-mixed-3200-s1", 3200, ScsiGuests.Create("q35", 3200, 1));
        yield return ("q35-mixed-4096-s1", 4096, ScsiGuests.Create("q35", 4096, 1));
        yield return ("pc-dense-4096", 4096, ScsiGuests.Create("pc", 4096, 1, dense: true));
        yield return ("q35-dense-4096", 4096, ScsiGuests.Create("q35", 4096, 1, dense: true));
    }

    [Fact]
    public void Plan_GeneratedScsiGuests_SameAddressesAsTheReferenceImplementation()
    {
        var actual = new StringBuilder();
        foreach (var (name, size, request) in Cases())
            Describe(actual, name, size, request);

        if (Environment.GetEnvironmentVariable("DEVADDR_UPDATE_SCSI_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(GoldenFile)!);
            File.WriteAllText(GoldenFile, actual.ToString());
        }

        var expected = Sections(File.ReadAllText(GoldenFile));
        var got = Sections(actual.ToString());
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), got.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, text) in expected)
        {
            if (got[name] == text) continue;
            var e = text.Split('\n');
            var g = got[name].Split('\n');
            int first = Enumerable.Range(0, Math.Min(e.Length, g.Length)).FirstOrDefault(i => e[i] != g[i], Math.Min(e.Length, g.Length));
            Assert.Fail($"{name}: line {first + 1} differs: expected '{(first < e.Length ? e[first] : "(end)")}', got '{(first < g.Length ? g[first] : "(end)")}'");
        }
    }

    [Fact]
    public void Create_SameArguments_SameGuest()
    {
        var a = ScsiGuests.Create("q35", 500, 7);
        var b = ScsiGuests.Create("q35", 500, 7);

        Assert.Equal(a.Devices, b.Devices);
        Assert.InRange(a.Devices.Count, 450, 500);
        Assert.Contains(a.Devices, d => d.Kind == "hostdev" && d.Address is not null);
        Assert.Contains(a.Devices, d => d.Kind == "disk" && d.Address is not null);
    }

    private static void Describe(StringBuilder sb, string name, int size, PlanRequest request)
    {
        var ci = CultureInfo.InvariantCulture;
        sb.Append("== ").Append(name).Append('\n');
        switch (AddressPlanner.Plan(request))
        {
            case PlanResult.Failure f:
                sb.Append(ci, $"error {f.Error.Code} {f.Error.Rule} {f.Error.DeviceId}: {f.Error.Message}\n");
                return;
            case PlanResult.Success s:
                var all = new StringBuilder();
                foreach (var d in s.Plan.Devices)
                    all.Append(ci, $"{d.Id} {d.Kind} {d.Type} {d.Model} {d.Index} {d.Added} {d.Address?.Kind} {d.Address}\n");
                if (size <= ListedUpTo)
                {
                    foreach (var d in s.Plan.Devices)
                    {
                        if (d.Kind == "controller" && d.Type == "scsi")
                            sb.Append(ci, $"{d.Id} scsi {d.Index} {d.Model} {d.Address}\n");
                        else if (d.Address is DriveAddress a && d.Kind is "disk" or "hostdev")
                            sb.Append(ci, $"{d.Id} {a}\n");
                    }
                }
                sb.Append(ci, $"devices {s.Plan.Devices.Count} sha256 {Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(all.ToString())))}\n");
                return;
        }
    }

    private static Dictionary<string, string> Sections(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string part in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("== ", StringSplitOptions.RemoveEmptyEntries))
        {
            int nl = part.IndexOf('\n', StringComparison.Ordinal);
            result[part[..nl]] = part[(nl + 1)..];
        }
        return result;
    }
}
