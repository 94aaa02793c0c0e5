using System.Text;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Host;

/// <summary>A request's host topology: read from its file, checked, and matched with the request's passed-through devices.</summary>
public static class HostTopologies
{
    /// <summary>
    /// Reads the request's <see cref="PlanRequest.HostTopologyFile"/> (a path relative to <paramref name="baseDirectory"/>,
    /// the request file's directory) into <see cref="PlanRequest.HostTopology"/>. A request without a file is returned as is.
    /// </summary>
    public static (PlanRequest? Request, PlanError? Error) ResolveFile(PlanRequest request, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.HostTopologyFile is not string file) return (request, null);
        if (request.HostTopology is not null)
            return (null, Error("hostTopology and hostTopologyFile: give the host topology inline or as a file, not both"));
        string path = Path.Combine(baseDirectory, file);
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) return (null, Error($"hostTopologyFile: '{file}' does not exist (read relative to {baseDirectory})"));
            if (info.Length > PlanJson.MaxInputChars * 4L) return (null, Error($"hostTopologyFile: '{file}' is {info.Length} bytes; at most {PlanJson.MaxInputChars} characters are accepted"));
            text = File.ReadAllText(path, new UTF8Encoding(false, true));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException or ArgumentException or NotSupportedException)
        {
            return (null, Error($"hostTopologyFile: cannot read '{file}': {ex.Message}"));
        }
        bool? yaml = file.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ? true
            : file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? false : null;
        var (topology, error) = PlanJson.ReadHostTopology(text, yaml);
        if (error is not null) return (null, error with { Message = $"hostTopologyFile '{file}': {error.Message}", Rule = "host-topology" });
        return (request with { HostTopology = topology, HostTopologyFile = null }, null);
    }

    /// <summary>Whether a device is a passed-through host PCI function (a PCI hostdev, or an interface of type hostdev) with a host address.</summary>
    public static bool IsHostPci(Device d) =>
        d.Host?.Address is not null && ((d.Kind == "hostdev" && d.Type is null or "pci") || (d.Kind == "interface" && d.Type == "hostdev"));

    /// <summary>
    /// The checked topology of a request (null without one): the document must be well-formed, and every passed-through
    /// PCI device of the request must be an endpoint of it. A file reference not yet read is read relative to the current directory.
    /// </summary>
    internal static HostTopologyIndex? Prepare(ref PlanRequest request)
    {
        if (request.HostTopologyFile is not null)
        {
            var (resolved, fileError) = ResolveFile(request, Environment.CurrentDirectory);
            if (fileError is not null) throw new PlanningException(fileError);
            request = resolved!;
        }
        if (request.HostTopology is not { } topology) return null;
        var (index, error) = HostTopologyIndex.Create(topology);
        if (error is not null) throw new PlanningException(error);
        foreach (var d in request.Devices.Where(IsHostPci))
        {
            var f = index!.Find(d.Host!.Address);
            if (f is null)
                throw PlanningException.Create(ErrorCodes.InvalidInput,
                    $"device '{d.Id}': host address {d.Host.Address} is not a function of the host topology (hostTopology.functions)", d.Id, "host-device-known");
            if (f.IsBridge)
                throw PlanningException.Create(ErrorCodes.InvalidInput,
                    $"device '{d.Id}': host address {d.Host.Address} is a {f.PortType}; only endpoints are passed through", d.Id, "host-device-known");
        }
        return index;
    }

    private static PlanError Error(string message) => new() { Code = ErrorCodes.InvalidInput, Rule = "host-topology", Message = message };
}
