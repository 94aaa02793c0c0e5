using System.CommandLine;
using System.Globalization;
using System.Text;
using DevAddr.Core;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Libvirt;

namespace DevAddr.Cli.Commands;

/// <summary><c>devaddr hotplug-check LAYOUT DEVICES</c>: can these devices be hot-plugged into the running guest?</summary>
internal sealed class HotplugCheckCommand : Command
{
    private readonly Argument<string> Layout = new("LAYOUT")
    {
        Description = "The running guest: a plan (JSON/YAML, as written by 'devaddr plan') or its expanded libvirt domain XML (virsh dumpxml); '-' reads standard input.",
    };

    private readonly Argument<string> Devices = new("DEVICES")
    {
        Description = "The devices to add, in attach order: a JSON/YAML list of devices, or libvirt device XML (one element, or several inside <devices>).",
    };

    private readonly Option<string[]> Reserve = new("--reserve")
    {
        Description = "A window reserve of a port or bridge, INDEX:name=size[,...] with names io, mem, pref32, pref64 (QEMU's *-reserve), e.g. 4:pref64=16G. Repeatable; adds to the XML's <qemu:override>.",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string> Firmware = new("--firmware")
    {
        Description = "Firmware profile for windows of ports and bridges without a reserve: generic (4 KiB I/O, 2 MiB memory, 2 MiB prefetchable) or seabios (measured: no I/O window on empty PCI Express ports).",
        DefaultValueFactory = _ => HotplugOptions.DefaultFirmware,
    };

    private readonly Option<int?> MemorySlots = new("--memory-slots")
    {
        Description = "The guest's memory hotplug slots (maxMemory slots), for DIMMs. Default: from the domain XML, unknown for a plan.",
    };

    private readonly Option<string?> Acpi = HotplugIo.AcpiOption();
    private readonly Option<string> Format = HotplugIo.FormatOption();
    private readonly Option<string?> LayoutOut = HotplugIo.LayoutOutOption("with the feasible devices added");

    public HotplugCheckCommand() : base("hotplug-check",
        "Check whether devices can be hot-plugged into a running guest (libvirt's live attach, QEMU, BAR windows): the address each gets, every reason when not, and what to change (exit 0: all feasible, 3: some not, 2: bad input).")
    {
        Arguments.Add(Layout);
        Arguments.Add(Devices);
        Options.Add(Reserve);
        Options.Add(Firmware);
        Options.Add(Acpi);
        Options.Add(MemorySlots);
        Options.Add(Format);
        Options.Add(LayoutOut);
        SetAction(parseResult =>
        {
            var cfg = parseResult.InvocationConfiguration;
            if (HotplugIo.ReadFormatAndLayout(parseResult, Format, Layout, out int exit) is not { } input) return exit;
            var (plan, options) = (input.Plan, input.Options);

            string devicesPath = parseResult.GetValue(Devices)!;
            string? devicesText = CliIo.ReadInput(devicesPath, cfg.Error);
            if (devicesText is null) return ExitCodes.InvalidInput;
            IReadOnlyList<Device> devices;
            if (devicesText.TrimStart().StartsWith('<'))
            {
                try
                {
                    devices = LibvirtHotplug.ReadDevices(devicesText);
                }
                catch (DomainXmlException ex)
                {
                    cfg.Error.WriteLine($"devaddr: {devicesPath}: {ex.Message}");
                    return ExitCodes.InvalidInput;
                }
            }
            else
            {
                var (list, error) = HotplugJson.ReadDevices(devicesText, CliIo.IsYamlPath(devicesPath));
                if (error is not null) return CliIo.ReportError(error, false, cfg.Error);
                devices = list!;
            }

            var reserves = new Dictionary<int, PortReserve>(options.Reserves);
            foreach (var spec in parseResult.GetValue(Reserve) ?? [])
            {
                var (index, reserve, error) = HotplugJson.ParseReserve(spec);
                if (error is not null)
                {
                    cfg.Error.WriteLine($"devaddr: --reserve {error}");
                    return ExitCodes.Usage;
                }
                reserves[index] = reserve!;
            }
            options = options with { Reserves = reserves, Firmware = parseResult.GetValue(Firmware)! };
            if (parseResult.GetValue(MemorySlots) is int slots) options = options with { MemorySlots = slots };
            if (!HotplugIo.ApplyAcpi(parseResult.GetValue(Acpi), ref options, cfg.Error)) return ExitCodes.Usage;

            switch (AddressPlanner.HotplugCheck(plan, devices, options))
            {
                case HotplugCheckResult.Failure f:
                    return CliIo.ReportError(f.Error, input.Json, cfg.Error);
                case HotplugCheckResult.Checked { Report: var report }:
                    return HotplugIo.WriteReport(parseResult, input.Json ? HotplugJson.Serialize(report) : Text(report), LayoutOut, report.LayoutAfter, report.Feasible);
                default:
                    return ExitCodes.InternalError;
            }
        });
    }

    private static readonly System.Text.Json.JsonSerializerOptions Compact = new(PlanJson.Options) { WriteIndented = false };

    internal static string Text(HotplugReport report)
    {
        var sb = new StringBuilder();
        sb.Append("hotplug-check: ").Append(report.Summary).Append('\n');
        sb.Append("machine: ").Append(report.Machine.Message).Append('\n');
        foreach (var v in report.Devices)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{v.DeviceId} ({v.Device}): ");
            if (v.Feasible)
            {
                sb.Append("feasible at ").Append(HotplugIo.Address(v.Address));
                if (v.Place is not null) sb.Append(" on ").Append(v.Place);
                if (v.PciPath is not null) sb.Append(", PCI path ").Append(v.PciPath);
                sb.Append('\n');
            }
            else
            {
                sb.Append("INFEASIBLE");
                if (v.Address is not null) sb.Append(" (libvirt would use ").Append(HotplugIo.Address(v.Address)).Append(')');
                if (v.LibvirtError is not null) sb.Append(" — libvirt: ").Append(v.LibvirtError);
                sb.Append('\n');
                HotplugIo.Reasons(sb, v.Reasons);
            }
            foreach (var c in v.AddedControllers)
                sb.Append("    + libvirt hot-plugs ").Append(LiveDevice(c)).Append(" at ").Append(HotplugIo.Address(c.Address)).Append(" first\n");
        }
        if (report.Suggestions.Count > 0)
        {
            sb.Append("suggestions:\n");
            foreach (var s in report.Suggestions)
            {
                sb.Append("  - ").Append(s.Code).Append(s.Now ? " (now)" : " (next cold plan)").Append(": ").Append(s.Message).Append('\n');
                if (s.Tunables is not null)
                    sb.Append("      tunables: ").Append(System.Text.Json.JsonSerializer.Serialize(s.Tunables, CliIo.TypeInfo<Tunables>(Compact))).Append('\n');
                if (s.LibvirtXml is not null)
                    sb.Append("      libvirt XML:\n").Append(string.Join("", s.LibvirtXml.Split('\n').Select(l => "        " + l + "\n")));
            }
        }
        if (report.Assumptions.Count > 0)
        {
            sb.Append("assumptions:\n");
            foreach (var a in report.Assumptions) sb.Append("  - ").Append(a).Append('\n');
        }
        return sb.ToString();
    }

    private static string LiveDevice(Device d) => string.Join('/', new[] { d.Kind, d.Type, d.Model }.Where(s => !string.IsNullOrEmpty(s))) + $" '{d.Id}'";
}
