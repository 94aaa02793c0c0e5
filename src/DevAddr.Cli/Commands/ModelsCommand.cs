using System.CommandLine;
using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using Spectre.Console;

namespace DevAddr.Cli.Commands;

/// <summary><c>devaddr models</c>: lists the machine types, PCI controller models and device models of the catalog.</summary>
internal sealed class ModelsCommand : Command
{
    public ModelsCommand() : base("models", "List the policy versions, machine types, PCI controller models and device models DevAddr knows (the data in models/).")
    {
        SetAction(parseResult =>
        {
            var catalog = DeviceCatalog.Default;
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(parseResult.InvocationConfiguration.Output),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
            });
            console.Profile.Width = 160;

            var policies = new Table().Title("Policies (a request without policy.version gets the newest)").AddColumns("policy", "version", "newest", "description");
            foreach (var v in PolicyVersions.All)
                policies.AddRow(Markup.Escape(v.Policy), Markup.Escape(v.Version), PolicyVersions.Of(v.Policy)[^1] == v ? "yes" : "no", Markup.Escape(v.Description));
            console.Write(policies);

            var machines = new Table().Title("Machine types").AddColumns("name", "arches", "aliases", "PCI root", "default USB", "description");
            foreach (var m in catalog.Machines)
                machines.AddRow(Markup.Escape(m.Name), Markup.Escape(string.Join(", ", m.Arches)), Markup.Escape(string.Join(", ", m.Aliases)),
                    Markup.Escape(m.PciRoot ?? "-"), Markup.Escape(m.DefaultUsbController ?? "-"), Markup.Escape(m.Description));
            console.Write(machines);

            var pci = new Table().Title("PCI controller models").AddColumns("model", "QEMU device", "accepts", "slots", "auto-assign", "hotplug");
            foreach (var c in catalog.PciControllers)
                pci.AddRow(Markup.Escape(c.Model), Markup.Escape(c.QemuModel ?? "-"), Markup.Escape(string.Join(", ", c.Accepts)),
                    $"{c.MinSlot}-{c.MaxSlot}", c.AutoAssign ? "yes" : "no", c.Hotplug ? "yes" : "no");
            console.Write(pci);

            var devices = new Table().Title("Device models (first matching rule wins)").AddColumns("kind", "type", "bus", "model", "connect", "attach", "hotplug");
            foreach (var r in catalog.DeviceRules)
                devices.AddRow(Markup.Escape(r.Kind), Markup.Escape(r.Type ?? "*"), Markup.Escape(r.Bus ?? "*"),
                    Markup.Escape(r.Model switch { null => "*", "-" => "(none given)", var m => m }),
                    r.Connect, Markup.Escape(r.Attach ?? "-"), r.Hotplug ? "yes" : "no");
            console.Write(devices);
            return ExitCodes.Ok;
        });
    }
}
