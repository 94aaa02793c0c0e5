using System.Text;
using System.Text.Json;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Libvirt;
using DevAddr.Libvirt.Tests.Oracle;
using static System.FormattableString;

namespace DevAddr.FleetGen;

/// <summary>
/// Deterministic fleets for <c>devaddr fleet</c>: <c>guests</c> lines, of which a share are distinct guest shapes
/// and the rest repeat them (as a fleet stamped from templates does). Shapes are the differential tests' generated
/// libvirt guests (<see cref="CaseGenerator"/>: q35 45 %, pc 35 %, aarch64 virt 20 %; everyday, wide and
/// "breadth" profiles, some invalid), read into planning requests by the libvirt adapter. Repeats follow a
/// Zipf-like popularity (a few templates are very common), every shape appears at least once, lines are shuffled.
/// Same arguments → the same bytes.
/// </summary>
public static class FleetGenerator
{
    private static readonly JsonSerializerOptions Compact = new(PlanJson.Options) { WriteIndented = false };

    /// <summary>The distinct shapes of a fleet: <paramref name="count"/> requests, pairwise different.</summary>
    public static IReadOnlyList<PlanRequest> Shapes(ulong seed, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var shapes = new List<PlanRequest>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Profiles in the proportion 3 everyday : 1 wide : 1 breadth, drawn in rounds of 100 cases per profile.
        CaseProfile[] profiles = [CaseProfile.Dev, CaseProfile.Dev, CaseProfile.Wide, CaseProfile.Dev, CaseProfile.Breadth];
        for (ulong round = 0; shapes.Count < count; round++)
        {
            var profile = profiles[round % (ulong)profiles.Length];
            foreach (var c in CaseGenerator.Generate(seed * 1_000_003 + round, 100, profile))
            {
                if (shapes.Count == count) break;
                PlanRequest request;
                try
                {
                    request = DomainXml.Parse(c.Xml).Request;
                }
                catch (DomainXmlException)
                {
                    continue;
                }
                if (seen.Add(JsonSerializer.Serialize(request, Compact))) shapes.Add(request);
            }
        }
        return shapes;
    }

    /// <summary>
    /// The fleet's lines (no newline): <c>{"id":"vm-000001","request":{...}}</c>. <paramref name="unique"/> of the
    /// <paramref name="guests"/> guests are distinct shapes (at least one).
    /// </summary>
    public static IEnumerable<string> Lines(ulong seed, int guests, double unique)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(guests);
        if (guests == 0) yield break;
        int shapeCount = Math.Clamp((int)Math.Round(guests * unique), 1, guests);
        var shapes = Shapes(seed, shapeCount).Select(r => JsonSerializer.Serialize(r, Compact)).ToArray();
        var rng = new SplitMix64(seed ^ 0x5EED_F1EE_7000_0001UL);

        // Every shape once, then Zipf(1)-popular repeats, shuffled (Fisher-Yates).
        var pick = new int[guests];
        for (int i = 0; i < shapeCount; i++) pick[i] = i;
        var cumulative = new double[shapeCount];
        double sum = 0;
        for (int i = 0; i < shapeCount; i++) cumulative[i] = sum += 1.0 / (i + 1);
        for (int i = shapeCount; i < guests; i++)
        {
            int k = Array.BinarySearch(cumulative, rng.NextDouble() * sum);
            pick[i] = Math.Min(k < 0 ? ~k : k, shapeCount - 1);
        }
        for (int i = guests - 1; i > 0; i--)
        {
            int j = rng.Below(i + 1);
            (pick[i], pick[j]) = (pick[j], pick[i]);
        }
        for (int i = 0; i < guests; i++)
            yield return Invariant($"{{\"id\":\"vm-{i + 1:D6}\",\"request\":{shapes[pick[i]]}}}");
    }

    /// <summary>Writes the fleet to a file (UTF-8, <c>\n</c> after every line); returns the number of lines.</summary>
    public static int Write(string path, ulong seed, int guests, double unique)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false)) { NewLine = "\n" };
        int n = 0;
        foreach (string line in Lines(seed, guests, unique))
        {
            w.WriteLine(line);
            n++;
        }
        return n;
    }
}
