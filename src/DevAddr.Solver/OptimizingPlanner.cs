using DevAddr.Core;
using DevAddr.Core.Catalog;
using DevAddr.Core.Model;

namespace DevAddr.Solver;

/// <summary>
/// The planner with every policy: <c>libvirt</c> (constructive, libvirt 9.0's assignment) and
/// <c>optimize</c> (PCI placement by a CP-SAT model under the request's tunables).
/// </summary>
public static class OptimizingPlanner
{
    /// <summary>Plans a request with the policy it names.</summary>
    public static PlanResult Plan(PlanRequest request, DeviceCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Policy.Name switch
        {
            PolicySpec.Optimize => AddressPlanner.Plan(request, new CpSatPciEngine(), catalog),
            _ => AddressPlanner.Plan(request, catalog),
        };
    }
}
