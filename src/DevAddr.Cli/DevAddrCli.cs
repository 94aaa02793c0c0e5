using System.CommandLine;
using DevAddr.Cli.Commands;

namespace DevAddr.Cli;

/// <summary>Builds and runs the devaddr root command.</summary>
internal static class DevAddrCli
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("devaddr: plans PCI/PCIe, USB, drive and virtio-serial addresses for QEMU/KVM guests.");
        root.Subcommands.Add(new PlanCommand());
        root.Subcommands.Add(new ValidateCommand());
        root.Subcommands.Add(new ModelsCommand());
        root.Subcommands.Add(new LibvirtCommand());
        root.Subcommands.Add(new FleetCommand());
        root.Subcommands.Add(new HotplugCheckCommand());
        root.Subcommands.Add(new UnplugCheckCommand());
        root.Subcommands.Add(new MappingCommand());
        root.Subcommands.Add(new WhatifCommand());
        root.Subcommands.Add(new HostCommand());
        return root;
    }

    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        if (output is not null) config.Output = output;
        if (error is not null) config.Error = error;
        try
        {
            return BuildRoot().Parse(args).Invoke(config);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug, not a user error: say so plainly, without a stack trace, and fail.
            config.Error.WriteLine($"devaddr: internal error ({ex.GetType().Name}): {ex.Message}");
            return ExitCodes.InternalError;
        }
    }
}
