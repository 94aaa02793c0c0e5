using System.CommandLine;
using DevAddr.Core.Host;
using DevAddr.Core.Serialization;

namespace DevAddr.Cli.Commands;

/// <summary><c>devaddr host ...</c>: the host's PCI topology.</summary>
internal sealed class HostCommand : Command
{
    public HostCommand() : base("host", "Work on host PCI topologies (for requests that pass devices through and mirror the host).")
    {
        Subcommands.Add(new ScanCommand());
    }

    /// <summary><c>devaddr host scan [--sysfs DIR] [-o HOST.json]</c>.</summary>
    private sealed class ScanCommand : Command
    {
        private readonly Option<string> Sysfs = new("--sysfs")
        {
            Description = "The sysfs tree to read (default /sys); a copy of one, or a fixture tree, works the same.",
            DefaultValueFactory = _ => "/sys",
        };

        private readonly Option<string?> Output = new("--output", "-o")
        {
            Description = "Write the host topology to this file (written whole or not at all). Default: standard output.",
        };

        public ScanCommand() : base("scan",
            "Read the host's PCI topology from Linux sysfs: every function with its class, ids, NUMA node, root complex, the bridges and switch ports above it, BARs, IOMMU group and SR-IOV relations, and the NUMA nodes with their CPUs (docs/schema/host-topology.schema.json).")
        {
            Options.Add(Sysfs);
            Options.Add(Output);
            SetAction(parseResult =>
            {
                var cfg = parseResult.InvocationConfiguration;
                var (topology, error) = SysfsScanner.Scan(parseResult.GetValue(Sysfs)!);
                if (error is not null) return CliIo.ReportError(error, false, cfg.Error);
                // The document must be one the planner accepts.
                var (_, checkError) = HostTopologyIndex.Create(topology!, "$");
                if (checkError is not null) return CliIo.ReportError(checkError, false, cfg.Error);
                return CliIo.WriteOutput(parseResult.GetValue(Output), PlanJson.Serialize(topology!), cfg.Output, cfg.Error)
                    ? ExitCodes.Ok : ExitCodes.InternalError;
            });
        }
    }
}
