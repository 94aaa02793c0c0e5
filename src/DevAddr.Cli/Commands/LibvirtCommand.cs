using System.CommandLine;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Libvirt;
using DevAddr.Solver;

namespace DevAddr.Cli.Commands;

/// <summary><c>devaddr libvirt ...</c>: works on libvirt domain XML.</summary>
internal sealed class LibvirtCommand : Command
{
    public LibvirtCommand() : base("libvirt", "Work on libvirt domain XML files.")
    {
        Subcommands.Add(new ExpandCommand());
        Subcommands.Add(new DomainCommand());
    }

    /// <summary><c>devaddr libvirt domain PLAN</c>: a libvirt domain definition of a plan.</summary>
    private sealed class DomainCommand : Command
    {
        private readonly Argument<string> PlanFile = new("PLAN") { Description = "A plan (JSON/YAML, as devaddr plan writes it); '-' reads standard input." };
        private readonly Option<string?> Output = new("--output", "-o") { Description = "Write the domain XML to this file (written whole or not at all). Default: standard output." };
        private readonly Option<string> DomainName = new("--name") { Description = "The domain's name.", DefaultValueFactory = _ => "devaddr-guest" };
        private readonly Option<string> DomainType = new("--type") { Description = "Domain type: kvm, or qemu (TCG).", DefaultValueFactory = _ => "kvm" };
        private readonly Option<int> MemoryMiB = new("--memory-mib") { Description = "Guest memory in MiB, split evenly among the NUMA cells.", DefaultValueFactory = _ => 4096 };
        private readonly Option<int> Vcpus = new("--vcpus") { Description = "vCPUs, spread over the NUMA cells that have CPUs.", DefaultValueFactory = _ => 2 };
        private readonly Option<int?> PhysBits = new("--phys-bits") { Description = "Guest physical address bits (default: the host's for kvm, 46 for qemu)." };
        private readonly Option<string?> StandIns = new("--stand-ins")
        {
            Description = "A host topology (devaddr host scan): replace every passed-through PCI device by an emulated stand-in with the size of its largest BAR (ivshmem-plain; nvme for NVMe), so QEMU starts the topology without the host's devices.",
        };

        public DomainCommand() : base("domain", "Write a libvirt domain definition of a plan: machine, NUMA cells (CPU-less where the plan mirrors a host node without CPUs), physical address bits, and every device with its address.")
        {
            Arguments.Add(PlanFile);
            foreach (var o in new Option[] { Output, DomainName, DomainType, MemoryMiB, Vcpus, PhysBits, StandIns }) Options.Add(o);
            SetAction(parseResult =>
            {
                var cfg = parseResult.InvocationConfiguration;
                string path = parseResult.GetValue(PlanFile)!;
                string? text = CliIo.ReadInput(path, cfg.Error);
                if (text is null) return ExitCodes.InvalidInput;
                var (plan, error) = PlanJson.ReadPlan(text, CliIo.IsYamlPath(path));
                if (error is not null) return CliIo.ReportError(error, false, cfg.Error);
                string type = parseResult.GetValue(DomainType)!;
                if (type is not ("kvm" or "qemu"))
                {
                    cfg.Error.WriteLine($"devaddr: --type must be kvm or qemu, got '{type}'");
                    return ExitCodes.Usage;
                }
                var options = new DomainOptions
                {
                    Name = parseResult.GetValue(DomainName)!,
                    Type = type,
                    MemoryMiB = Math.Max(parseResult.GetValue(MemoryMiB), 128),
                    Vcpus = Math.Max(parseResult.GetValue(Vcpus), 1),
                    PhysBits = parseResult.GetValue(PhysBits),
                };
                string xml = LibvirtDomains.Create(plan!, options);
                if (parseResult.GetValue(StandIns) is string hostPath)
                {
                    string? hostText = CliIo.ReadInput(hostPath, cfg.Error);
                    if (hostText is null) return ExitCodes.InvalidInput;
                    var (topology, hostError) = PlanJson.ReadHostTopology(hostText, CliIo.IsYamlPath(hostPath));
                    if (hostError is not null) return CliIo.ReportError(hostError with { Message = $"{hostPath}: {hostError.Message}" }, false, cfg.Error);
                    var (index, indexError) = Core.Host.HostTopologyIndex.Create(topology!, "$");
                    if (indexError is not null) return CliIo.ReportError(indexError with { Message = $"{hostPath}: {indexError.Message}" }, false, cfg.Error);
                    xml = LibvirtDomains.WithStandIns(xml, index!);
                }
                return CliIo.WriteOutput(parseResult.GetValue(Output), xml, cfg.Output, cfg.Error) ? ExitCodes.Ok : ExitCodes.InternalError;
            });
        }
    }

    private sealed class ExpandCommand : Command
    {
        private readonly Argument<DirectoryInfo> InDir = new("IN_DIR") { Description = "Directory of libvirt domain XML files (*.xml)." };
        private readonly Argument<DirectoryInfo> OutDir = new("OUT_DIR") { Description = "Directory to write NAME.xml (expanded domain) or NAME.error (error message) into." };
        private readonly Option<string?> TunablesFile = new("--tunables")
        {
            Description = "A policy file (JSON/YAML: {\"name\": \"optimize\", \"tunables\": {...}, \"solver\": {...}}) applied to every domain; default: libvirt's own policy.",
        };
        private readonly Option<string?> Libvirt = new("--libvirt")
        {
            Description = "The libvirt release whose behaviour to reproduce (9.0, 11.3; default: the newest); with --tunables, the release the optimize policy follows for everything but PCI placement.",
        };

        private readonly Option<int> Jobs = new("--jobs", "-j")
        {
            Description = "Domains expanded at once (default 0: one per processor; 1: one at a time). The files written are the same for any value.",
            DefaultValueFactory = _ => 0,
        };

        public ExpandCommand() : base("expand", "Expand every IN_DIR/*.xml like libvirt's define + dumpxml: add the controllers and implicit devices, assign every address.")
        {
            Arguments.Add(InDir);
            Arguments.Add(OutDir);
            Options.Add(TunablesFile);
            Options.Add(Libvirt);
            Options.Add(Jobs);
            SetAction(parseResult =>
            {
                var inDir = parseResult.GetValue(InDir)!;
                int jobs = parseResult.GetValue(Jobs);
                if (!CliIo.JobsOk(jobs, parseResult.InvocationConfiguration.Error)) return ExitCodes.Usage;
                var outDir = parseResult.GetValue(OutDir)!;
                if (!inDir.Exists)
                {
                    parseResult.InvocationConfiguration.Error.WriteLine($"devaddr: input directory '{inDir.FullName}' does not exist");
                    return ExitCodes.Usage;
                }
                var policy = new PolicySpec();
                if (parseResult.GetValue(TunablesFile) is string policyPath)
                {
                    string? text = CliIo.ReadInput(policyPath, parseResult.InvocationConfiguration.Error);
                    if (text is null) return ExitCodes.InvalidInput;
                    var (read, error) = PlanJson.ReadPolicy(text, CliIo.IsYamlPath(policyPath));
                    if (error is not null) return CliIo.ReportError(error, false, parseResult.InvocationConfiguration.Error);
                    policy = read!;
                }
                if (parseResult.GetValue(Libvirt) is string release)
                    policy = policy.Name == PolicySpec.Libvirt ? policy with { Version = release } : policy with { LibvirtVersion = release };
                // An unknown release is a usage error, reported once rather than in every output file.
                var (_, versionError) = PolicyVersions.LibvirtOf(policy);
                if (versionError is null)
                    versionError = PolicyVersions.Check(policy);
                if (versionError is not null) return CliIo.ReportError(versionError, false, parseResult.InvocationConfiguration.Error);
                int n;
                try
                {
                    n = LibvirtExpander.ExpandDirectory(inDir.FullName, outDir.FullName, policy, r => OptimizingPlanner.Plan(r), jobs);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    parseResult.InvocationConfiguration.Error.WriteLine($"devaddr: cannot expand '{inDir.FullName}' into '{outDir.FullName}': {ex.Message}");
                    return ExitCodes.InternalError;
                }
                parseResult.InvocationConfiguration.Error.WriteLine($"expanded {n} domain(s) into {outDir.FullName}");
                return ExitCodes.Ok;
            });
        }
    }
}
