using System.CommandLine;
using System.Globalization;
using System.Text;
using DevAddr.Core;
using DevAddr.Core.Hotplug;

namespace DevAddr.Cli.Commands;

/// <summary><c>devaddr unplug-check LAYOUT ID...</c>: can these devices be hot-unplugged from the running guest?</summary>
internal sealed class UnplugCheckCommand : Command
{
    private readonly Argument<string> Layout = new("LAYOUT")
    {
        Description = "The running guest: a plan (JSON/YAML) or its libvirt domain XML; '-' reads standard input.",
    };

    private readonly Argument<string[]> Ids = new("DEVICE")
    {
        Description = "Devices to remove, in detach order: plan device ids (for domain XML also libvirt aliases such as net0 or ua-NAME, and disk targets such as vdb).",
        Arity = ArgumentArity.OneOrMore,
    };

    private readonly Option<string?> Acpi = HotplugIo.AcpiOption();
    private readonly Option<string> Format = HotplugIo.FormatOption();
    private readonly Option<string?> LayoutOut = HotplugIo.LayoutOutOption("after removal");

    public UnplugCheckCommand() : base("unplug-check",
        "Check whether devices can be hot-unplugged from a running guest (they must sit on hot-pluggable places) and give the layout after removal (exit 0: all removable, 3: some not, 2: bad input).")
    {
        Arguments.Add(Layout);
        Arguments.Add(Ids);
        Options.Add(Acpi);
        Options.Add(Format);
        Options.Add(LayoutOut);
        SetAction(parseResult =>
        {
            var cfg = parseResult.InvocationConfiguration;
            if (HotplugIo.ReadFormatAndLayout(parseResult, Format, Layout, out int exit) is not { } input) return exit;
            var (_, plan, options, aliases) = input;
            if (!HotplugIo.ApplyAcpi(parseResult.GetValue(Acpi), ref options, cfg.Error)) return ExitCodes.Usage;
            var known = plan.Devices.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            var ids = (parseResult.GetValue(Ids) ?? []).Select(id => known.Contains(id) ? id : aliases.GetValueOrDefault(id, id)).ToList();

            switch (AddressPlanner.UnplugCheck(plan, ids, options))
            {
                case UnplugCheckResult.Failure f:
                    return CliIo.ReportError(f.Error, input.Json, cfg.Error);
                case UnplugCheckResult.Checked { Report: var report }:
                    return HotplugIo.WriteReport(parseResult, input.Json ? HotplugJson.Serialize(report) : Text(report), LayoutOut, report.LayoutAfter, report.Removable);
                default:
                    return ExitCodes.InternalError;
            }
        });
    }

    internal static string Text(UnplugReport report)
    {
        var sb = new StringBuilder();
        sb.Append("unplug-check: ").Append(report.Summary).Append('\n');
        foreach (var v in report.Devices)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{v.DeviceId} ({v.Device}) at {HotplugIo.Address(v.Address)}");
            if (v.Place is not null) sb.Append(" on ").Append(v.Place);
            if (v.Removable)
            {
                sb.Append(": removable\n");
                continue;
            }
            sb.Append(": NOT removable");
            if (v.LibvirtError is not null) sb.Append(" — libvirt: ").Append(v.LibvirtError);
            sb.Append('\n');
            HotplugIo.Reasons(sb, v.Reasons);
        }
        var s = report.LayoutAfter.Summary;
        sb.Append(CultureInfo.InvariantCulture,
            $"layout after removal: {s.Devices} devices, {s.PciBuses} PCI buses, {s.FreeRootPorts} free hot-pluggable root ports, {s.FreeHotplugSlots} free hot-pluggable places\n");
        foreach (var a in report.Assumptions) sb.Append("assumption: ").Append(a).Append('\n');
        return sb.ToString();
    }
}
