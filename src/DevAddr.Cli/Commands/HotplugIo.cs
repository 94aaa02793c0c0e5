using System.CommandLine;
using System.Text;
using DevAddr.Core;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Libvirt;

namespace DevAddr.Cli.Commands;

/// <summary>A hotplug command's checked --format and the layout it read.</summary>
internal sealed record LayoutInput(string Format, Plan Plan, HotplugOptions Options, IReadOnlyDictionary<string, string> Aliases)
{
    public bool Json => Format == "json";
}

/// <summary>Reading layouts (plan JSON/YAML or libvirt domain XML) and writing reports, shared by the hotplug commands.</summary>
internal static class HotplugIo
{
    public static Option<string> FormatOption() => new("--format")
    {
        Description = "Output format: text or json.",
        DefaultValueFactory = _ => "text",
    };

    public static Option<string?> LayoutOutOption(string what) => new("--layout-out")
    {
        Description = $"Write the layout {what} to this file as a plan (JSON; written whole or not at all).",
    };

    public static Option<string?> AcpiOption() => new("--acpi")
    {
        Description = "Whether the guest has ACPI (on/off); i440fx root-bus hotplug needs it. Default: from the domain XML, assumed on for a plan.",
    };

    /// <summary>
    /// The start of every hotplug command: checks --format and reads the LAYOUT argument; null, with the exit code in
    /// <paramref name="exitCode"/>, after reporting an error.
    /// </summary>
    public static LayoutInput? ReadFormatAndLayout(ParseResult parseResult, Option<string> format, Argument<string> layout, out int exitCode)
    {
        var error = parseResult.InvocationConfiguration.Error;
        string formatValue = parseResult.GetValue(format)!;
        if (!CheckFormat(formatValue, error))
        {
            exitCode = ExitCodes.Usage;
            return null;
        }
        var read = ReadLayout(parseResult.GetValue(layout)!, error);
        if (read is null)
        {
            exitCode = ExitCodes.InvalidInput;
            return null;
        }
        exitCode = ExitCodes.Ok;
        return new LayoutInput(formatValue, read.Value.Plan, read.Value.Options, read.Value.Aliases);
    }

    /// <summary>Writes a checked report and the --layout-out file; the exit code: 0 when <paramref name="ok"/>, 3 when not.</summary>
    public static int WriteReport(ParseResult parseResult, string report, Option<string?> layoutOut, Plan layoutAfter, bool ok)
    {
        var cfg = parseResult.InvocationConfiguration;
        cfg.Output.Write(report);
        if (!WriteLayout(parseResult.GetValue(layoutOut), layoutAfter, cfg.Output, cfg.Error)) return ExitCodes.InternalError;
        return ok ? ExitCodes.Ok : ExitCodes.Infeasible;
    }

    /// <summary>Reads a layout: a plan (JSON/YAML) or a libvirt domain XML; null after reporting an error.</summary>
    public static (Plan Plan, HotplugOptions Options, IReadOnlyDictionary<string, string> Aliases)? ReadLayout(string path, TextWriter error)
    {
        string? text = CliIo.ReadInput(path, error);
        if (text is null) return null;
        if (text.TrimStart().StartsWith('<'))
        {
            try
            {
                var layout = LibvirtHotplug.ReadLayout(text);
                return (layout.Plan, layout.Options, layout.Aliases);
            }
            catch (DomainXmlException ex)
            {
                error.WriteLine($"devaddr: {path}: {ex.Message}");
                return null;
            }
        }
        var (plan, readError) = PlanJson.ReadPlan(text, CliIo.IsYamlPath(path));
        if (readError is not null)
        {
            CliIo.ReportError(readError, false, error);
            return null;
        }
        return (plan!, new HotplugOptions(), new Dictionary<string, string>());
    }

    /// <summary>Applies --acpi; false after reporting a bad value.</summary>
    public static bool ApplyAcpi(string? value, ref HotplugOptions options, TextWriter error)
    {
        switch (value)
        {
            case null: return true;
            case "on": options = options with { Acpi = true }; return true;
            case "off": options = options with { Acpi = false }; return true;
            default:
                error.WriteLine($"devaddr: --acpi takes on or off, not '{value}'");
                return false;
        }
    }

    public static bool CheckFormat(string format, TextWriter error)
    {
        if (format is "text" or "json") return true;
        error.WriteLine($"devaddr: --format takes text or json, not '{format}'");
        return false;
    }

    public static bool WriteLayout(string? path, Plan layout, TextWriter output, TextWriter error) =>
        path is null || CliIo.WriteOutput(path, PlanJson.Serialize(layout), output, error);

    public static void Reasons(StringBuilder sb, IReadOnlyList<HotplugReason> reasons)
    {
        foreach (var r in reasons)
            sb.Append("    - ").Append(r.Code).Append(" [").Append(r.Layer).Append("]: ").Append(r.Message).Append('\n');
    }

    public static string Address(DeviceAddress? a) => a switch
    {
        null => "-",
        PciAddress p => p.ToString(),
        _ => a.ToString() ?? "-",
    };
}
