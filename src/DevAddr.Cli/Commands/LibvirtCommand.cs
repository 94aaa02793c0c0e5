using System.CommandLine;
using DevAddr.Libvirt;

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

        public ExpandCommand() : base("expand", "Expand every IN_DIR/*.xml like libvirt's define + dumpxml: add the controllers and implicit devices, assign every address.")
        {
            Arguments.Add(InDir);
            Arguments.Add(OutDir);
            SetAction(parseResult =>
            {
                var inDir = parseResult.GetValue(InDir)!;
                var outDir = parseResult.GetValue(OutDir)!;
                if (!inDir.Exists)
                {
                    parseResult.InvocationConfiguration.Error.WriteLine($"devaddr: input directory '{inDir.FullName}' does not exist");
                    return ExitCodes.Usage;
                }
                int n = LibvirtExpander.ExpandDirectory(inDir.FullName, outDir.FullName);
                parseResult.InvocationConfiguration.Error.WriteLine($"expanded {n} domain(s) into {outDir.FullName}");
                return ExitCodes.Ok;
            });
        }
    }
}
