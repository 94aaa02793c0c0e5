using System.CommandLine;
using System.Globalization;
using System.Text;
using DevAddr.Core;
using DevAddr.Core.Hotplug;

namespace DevAddr.Cli.Commands;

/// <summary><c>devaddr mapping PLAN</c>: host address → guest address and PCI path of every passed-through device.</summary>
internal sealed class MappingCommand : Command
{
    private readonly Argument<string> PlanFile = new("PLAN")
    {
        Description = "A plan (JSON/YAML) or a libvirt domain XML with addresses; '-' reads standard input.",
    };

    private readonly Option<string> Format = HotplugIo.FormatOption();

    public MappingCommand() : base("mapping",
        "Print the host-to-guest table of passed-through devices (devices with a host address): guest address, PCI path (slot/function chain from the root bus, independent of guest bus numbers), the guest bus:slot.function firmware gives it, NUMA node, the guest switch it sits under and (JSON) the controllers above it.")
    {
        Arguments.Add(PlanFile);
        Options.Add(Format);
        SetAction(parseResult =>
        {
            var cfg = parseResult.InvocationConfiguration;
            if (HotplugIo.ReadFormatAndLayout(parseResult, Format, PlanFile, out int exit) is not { } input) return exit;
            switch (AddressPlanner.HostMapping(input.Plan))
            {
                case HostMappingResult.Failure f:
                    return CliIo.ReportError(f.Error, input.Json, cfg.Error);
                case HostMappingResult.Mapped m:
                    cfg.Output.Write(input.Json ? HotplugJson.Serialize(m.Mappings) : Text(m.Mappings));
                    return ExitCodes.Ok;
                default:
                    return ExitCodes.InternalError;
            }
        });
    }

    internal static string Text(IReadOnlyList<HostMapping> rows)
    {
        if (rows.Count == 0) return "no passed-through device carries a host address\n";
        var table = new List<string[]> { new[] { "HOST", "GUEST", "PCI PATH", "GUEST BDF", "NUMA", "SWITCH", "DEVICE", "ON" } };
        table.AddRange(rows.Select(r => new[]
        {
            r.HostAddress, r.GuestAddress.ToString(), r.PciPath, r.GuestBdf,
            r.NumaNode?.ToString(CultureInfo.InvariantCulture) ?? "-", r.Switch ?? "-", $"{r.DeviceId} ({r.Device})", r.Place,
        }));
        var widths = Enumerable.Range(0, table[0].Length).Select(c => table.Max(row => row[c].Length)).ToArray();
        var sb = new StringBuilder();
        foreach (var row in table)
            sb.Append(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd()).Append('\n');
        return sb.ToString();
    }
}
