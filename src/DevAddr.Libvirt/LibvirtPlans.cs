using DevAddr.Core;
using DevAddr.Core.Model;

namespace DevAddr.Libvirt;

/// <summary>Reads an expanded libvirt domain XML as a plan (every device with the address it has).</summary>
public static class LibvirtPlans
{
    /// <summary>The plan a domain XML describes, for validation.</summary>
    /// <exception cref="DomainXmlException">The XML cannot be read.</exception>
    public static Plan FromDomainXml(string xml)
    {
        var domain = DomainXml.Parse(xml);
        var machine = Core.Catalog.DeviceCatalog.Default.FindMachine(domain.Request.Machine.Arch, domain.Request.Machine.Type);
        return new Plan
        {
            Machine = new MachineSpec(domain.Request.Machine.Arch, machine?.Name ?? domain.Request.Machine.Type),
            Policy = "libvirt-xml",
            Devices = domain.Request.Devices,
            Summary = new PlanSummary { Devices = domain.Request.Devices.Count },
        };
    }
}
