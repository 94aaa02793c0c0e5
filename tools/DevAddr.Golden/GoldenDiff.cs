using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace DevAddr.Golden;

/// <summary>What changed between two golden texts of one case, as lines a reviewer reads: which devices moved and how.</summary>
internal static class GoldenDiff
{
    /// <summary>The differences, one per line (empty when the texts are equal).</summary>
    public static IReadOnlyList<string> Describe(string before, string after)
    {
        if (before == after) return [];
        var old = JsonNode.Parse(before)!.AsObject();
        var now = JsonNode.Parse(after)!.AsObject();
        bool oldPlan = old.ContainsKey("devices"), newPlan = now.ContainsKey("devices");
        if (!oldPlan || !newPlan)
        {
            return (oldPlan, newPlan) switch
            {
                (false, false) => [$"error was {ErrorText(old)}, now {ErrorText(now)}"],
                (false, true) => [$"was refused ({ErrorText(old)}), now planned with {now["devices"]!.AsArray().Count} devices"],
                _ => [$"was planned with {old["devices"]!.AsArray().Count} devices, now refused ({ErrorText(now)})"],
            };
        }

        var lines = new List<string>();
        var oldDevices = ById(old["devices"]!.AsArray());
        var newDevices = ById(now["devices"]!.AsArray());
        foreach (var (id, o) in oldDevices)
        {
            if (!newDevices.TryGetValue(id, out var n))
            {
                lines.Add($"removed {id} ({Kind(o)}) from {Address(o["address"])}");
                continue;
            }

            if (!JsonNode.DeepEquals(o["address"], n["address"]))
                lines.Add($"moved {id} ({Kind(o)}): {Address(o["address"])} -> {Address(n["address"])}");
            foreach (string member in Members(o, n).Where(m => m != "address" && !JsonNode.DeepEquals(o[m], n[m])))
                lines.Add($"changed {id} {member}: {Compact(o[member])} -> {Compact(n[member])}");
        }

        foreach (var (id, n) in newDevices.Where(kv => !oldDevices.ContainsKey(kv.Key)))
            lines.Add($"added {id} ({Kind(n)}) at {Address(n["address"])}");
        if (lines.Count == 0 && !JsonNode.DeepEquals(old["devices"], now["devices"]))
            lines.Add("devices listed in another order");
        foreach (string member in Members(old, now).Where(m => m != "devices" && !JsonNode.DeepEquals(old[m], now[m])))
            lines.Add($"{member}: {Compact(old[member])} -> {Compact(now[member])}");
        if (lines.Count == 0)
            lines.Add("same content, other layout (the golden file was not written by the golden tool)");
        return lines;
    }

    /// <summary>How many of the lines are moved devices.</summary>
    public static int Moves(IEnumerable<string> lines) => lines.Count(l => l.StartsWith("moved ", StringComparison.Ordinal));

    /// <summary>An address as a reviewer reads it: <c>pci 0000:01:00.0</c>, <c>drive 0:0:0:1</c>, or its members.</summary>
    public static string Address(JsonNode? address)
    {
        if (address is not JsonObject a) return "no address";
        string type = (string?)a["type"] ?? "?";
        if (type == "pci" && a["bus"] is not null && a["slot"] is not null)
        {
            string pci = string.Create(CultureInfo.InvariantCulture,
                $"pci {(int?)a["domain"] ?? 0:x4}:{(int)a["bus"]!:x2}:{(int)a["slot"]!:x2}.{(int?)a["function"] ?? 0}");
            var rest = a.Where(kv => kv.Key is not ("type" or "domain" or "bus" or "slot" or "function")).ToList();
            return rest.Count == 0 ? pci : pci + " " + string.Join(" ", rest.Select(kv => $"{kv.Key}={Compact(kv.Value)}"));
        }

        return type + " " + string.Join(" ", a.Where(kv => kv.Key != "type").Select(kv => $"{kv.Key}={Compact(kv.Value)}"));
    }

    private static Dictionary<string, JsonObject> ById(JsonArray devices)
    {
        var map = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var d in devices)
            if (d is JsonObject o && (string?)o["id"] is string id) map.TryAdd(id, o);
        return map;
    }

    private static IEnumerable<string> Members(JsonObject a, JsonObject b) =>
        a.Select(kv => kv.Key).Concat(b.Select(kv => kv.Key)).Distinct(StringComparer.Ordinal);

    private static string Kind(JsonObject device)
    {
        var sb = new StringBuilder((string?)device["kind"] ?? "?");
        if ((string?)device["model"] is string model) sb.Append(' ').Append(model);
        return sb.ToString();
    }

    private static string ErrorText(JsonObject error) =>
        $"[{(string?)error["code"]}/{(string?)error["rule"]}] {(string?)error["message"]}";

    private static string Compact(JsonNode? node) => node is null ? "(none)" : node.ToJsonString();
}
