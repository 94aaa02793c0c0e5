using DevAddr.Core.Model;

namespace DevAddr.Cli.Whatif;

/// <summary>How one plan places the devices differently from another: what moved, what only one of them has.</summary>
internal static class PlanChanges
{
    /// <summary>One line per device (by id, in <paramref name="to"/>'s order, then the devices only <paramref name="from"/> has).</summary>
    public static IReadOnlyList<string> Between(Plan from, Plan to)
    {
        var before = new Dictionary<string, Device>(StringComparer.Ordinal);
        foreach (var d in from.Devices) before.TryAdd(d.Id, d);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lines = new List<string>();
        foreach (var d in to.Devices)
        {
            if (!seen.Add(d.Id)) continue;
            if (!before.TryGetValue(d.Id, out var old))
                lines.Add($"added {d.Id} ({Describe(d)}){At(d.Address)}");
            else if (!Equals(old.Address, d.Address))
                lines.Add($"moved {d.Id} ({Describe(d)}): {Where(old.Address)} -> {Where(d.Address)}");
        }
        foreach (var d in from.Devices.Where(d => !seen.Contains(d.Id)))
        {
            seen.Add(d.Id);
            lines.Add($"removed {d.Id} ({Describe(d)}){At(d.Address)}");
        }
        return lines;
    }

    private static string Describe(Device d) => d.Model is null ? d.Kind : $"{d.Kind} {d.Model}";

    private static string At(DeviceAddress? a) => a is null ? "" : " at " + Where(a);

    private static string Where(DeviceAddress? a) => a switch
    {
        null => "no address",
        PciAddress p => "pci " + p,
        _ => a.ToString()!,
    };
}
