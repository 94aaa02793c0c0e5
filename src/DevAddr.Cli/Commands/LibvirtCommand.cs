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
    }

    private sealed class ExpandCommand : Command
    {
        private static readonly Argument<DirectoryInfo> InDir = new("IN_DIR") { Description = "Directory of libvirt domain XML files (*.xml)." };
        private static readonly Argument<DirectoryInfo> OutDir = new("OUT_DIR") { Description = "Directory to write NAME.xml (expanded domain) or NAME.error (error message) into." };
        private static readonly Option<string?> TunablesFile = new("--tunables")
        {
            Description = "A policy file (JSON/YAML: {\"name\": \"optimize\", \"tunables\": {...}, \"solver\": {...}}) applied to every domain; default: libvirt's own policy.",
        };
        private static readonly Option<string?> Libvirt = new("--libvirt")
        {
            Description = "The libvirt release whose behaviour to reproduce (9.0, 11.3; default: the newest); with --tunables, the release the optimize policy follows for everything but PCI placement.",
        };

        public ExpandCommand() : base("expand", "Expand every IN_DIR/*.xml like libvirt's define + dumpxml: add the controllers and implicit devices, assign every address.")
        {
            Arguments.Add(InDir);
            Arguments.Add(OutDir);
            Options.Add(TunablesFile);
            Options.Add(Libvirt);
            SetAction(parseResult =>
            {
                var inDir = parseResult.GetValue(InDir)!;
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
                int n = LibvirtExpander.ExpandDirectory(inDir.FullName, outDir.FullName, policy, r => OptimizingPlanner.Plan(r));
                parseResult.InvocationConfiguration.Error.WriteLine($"expanded {n} domain(s) into {outDir.FullName}");
                return ExitCodes.Ok;
            });
        }
    }
}
