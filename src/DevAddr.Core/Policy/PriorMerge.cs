using DevAddr.Core.Model;

namespace DevAddr.Core.Policy;

/// <summary>
/// Merges a request with its prior layout: devices of the layout keep their addresses (or, when moves are
/// allowed, remember them), devices the planner had added stay, devices the request dropped are removed.
/// </summary>
internal static class PriorMerge
{
    public sealed record Result(PlanRequest Request, IReadOnlyDictionary<string, DeviceAddress> Movable, IReadOnlyList<string> Removed);

    public static Result Merge(PlanRequest request)
    {
        var prior = request.Prior!;
        var priorById = new Dictionary<string, Device>(StringComparer.Ordinal);
        foreach (var p in prior.Devices) priorById.TryAdd(p.Id, p);
        bool moves = prior.AllowMoves && request.Policy.Name == PolicySpec.Optimize;

        var movable = new Dictionary<string, DeviceAddress>(StringComparer.Ordinal);
        var devices = new List<Device>();
        var requested = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in request.Devices)
        {
            requested.Add(d.Id);
            if (!priorById.TryGetValue(d.Id, out var p) || d.Address is not null)
            {
                devices.Add(d);
                continue;
            }
            var merged = d with
            {
                Model = d.Model ?? p.Model,
                Index = d.Index ?? p.Index,
                Controller = MergeOptions(d.Controller, p.Controller),
            };
            if (moves && d.Kind != "controller" && p.Address is PciAddress pa)
                movable[d.Id] = pa;
            else
                merged = merged with { Address = p.Address };
            devices.Add(merged);
        }

        var removed = new List<string>();
        foreach (var p in prior.Devices)
        {
            if (requested.Contains(p.Id)) continue;
            if (p.Added) devices.Add(p);
            else removed.Add(p.Id);
        }
        return new Result(request with { Devices = devices, Prior = null }, movable, removed);
    }

    private static ControllerOptions? MergeOptions(ControllerOptions? wanted, ControllerOptions? prior)
    {
        if (prior is null) return wanted;
        if (wanted is null) return prior;
        return new ControllerOptions
        {
            Ports = wanted.Ports ?? prior.Ports,
            Vectors = wanted.Vectors ?? prior.Vectors,
            Chassis = wanted.Chassis ?? prior.Chassis,
            Port = wanted.Port ?? prior.Port,
            ChassisNr = wanted.ChassisNr ?? prior.ChassisNr,
            BusNr = wanted.BusNr ?? prior.BusNr,
            NumaNode = wanted.NumaNode ?? prior.NumaNode,
            Hotplug = wanted.Hotplug ?? prior.Hotplug,
            ModelName = wanted.ModelName ?? prior.ModelName,
            MasterStartPort = wanted.MasterStartPort ?? prior.MasterStartPort,
        };
    }

    /// <summary>Compares the plan with the prior layout.</summary>
    public static StabilityReport Report(PlanRequest original, Plan plan, IReadOnlyList<string> removed, Plan? fresh, long? gain)
    {
        var prior = original.Prior!;
        var byId = plan.Devices.ToDictionary(d => d.Id, StringComparer.Ordinal);
        int kept = 0;
        var moved = new List<DeviceMove>();
        foreach (var p in prior.Devices)
        {
            if (!byId.TryGetValue(p.Id, out var now)) continue;
            if (Equals(now.Address, p.Address) || p.Address is null) kept++;
            else moved.Add(new DeviceMove(p.Id, p.Address, now.Address));
        }
        var wouldMove = new List<DeviceMove>();
        if (fresh is not null)
        {
            var freshById = fresh.Devices.ToDictionary(d => d.Id, StringComparer.Ordinal);
            foreach (var p in prior.Devices)
            {
                if (!byId.TryGetValue(p.Id, out var now) || !freshById.TryGetValue(p.Id, out var f)) continue;
                if (now.Address is not null && f.Address is not null && !Equals(StripMulti(now.Address), StripMulti(f.Address)))
                    wouldMove.Add(new DeviceMove(p.Id, now.Address, f.Address));
            }
        }
        return new StabilityReport
        {
            Kept = kept,
            Removed = removed.Order(StringComparer.Ordinal).ToList(),
            Moved = moved,
            WouldMove = wouldMove,
            GainIfMoved = gain,
        };
    }

    private static DeviceAddress StripMulti(DeviceAddress a) => a is PciAddress p ? p with { Multifunction = null } : a;
}
