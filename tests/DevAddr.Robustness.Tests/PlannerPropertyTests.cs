using CsCheck;
using DevAddr.Core;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using Xunit.Abstractions;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// Property-based tests of <see cref="AddressPlanner.Plan(PlanRequest, Core.Catalog.DeviceCatalog?)"/> (the libvirt policy)
/// on random requests (<see cref="RequestGenerators"/>): a plan the validator accepts or a structured error,
/// never an exception or a hang; byte-identical plans for the same request; a prior layout plus one device
/// moves none of the prior devices. CI runs a few thousand cases; <c>DEVADDR_LONG_FUZZ=1</c> runs 100,000+.
/// </summary>
public sealed class PlannerPropertyTests(ITestOutputHelper output)
{
    private static long Iterations(long ci, long longRun) => FuzzRun.Long ? longRun : ci;

    private static TimeSpan Watchdog => FuzzRun.Long ? TimeSpan.FromHours(2) : TimeSpan.FromMinutes(3);

    private static string Print(PlanRequest r) => PlanJson.Serialize(r);

    private static string PrintDevice(Device d) => System.Text.Json.JsonSerializer.Serialize(d, PlanJson.Options);

    [Fact]
    public void Plan_RandomRequest_GivesValidDeterministicPlanOrStructuredError()
    {
        var run = new FuzzRun("random requests (plan, validate, plan again, plan from JSON)", output);
        run.Sample(RequestGenerators.Request(24), request => run.Case(Print(request), () =>
        {
            var result = UnusableInputs.PlanOrKnownCrash(request, run);
            if (result is null) return;
            if (result is PlanResult.Failure failure)
            {
                run.Error(failure.Error, request);
                Assert.Equal(failure, AddressPlanner.Plan(request));
                return;
            }
            var plan = Assert.IsType<PlanResult.Success>(result).Plan;
            run.Plan();
            var violations = PlanCheck.Errors(plan, run, request);
            if (violations.Count > 0)
                throw run.Invalid("invalid plan:\n" + string.Join("\n", violations.Select(v => $"  {v.Rule}: {v.Message}")));

            string json = PlanJson.Serialize(plan);
            var again = Assert.IsType<PlanResult.Success>(AddressPlanner.Plan(request));
            Assert.Equal(json, PlanJson.Serialize(again.Plan));

            var (read, readError) = PlanJson.ReadRequest(PlanJson.Serialize(request));
            Assert.Null(readError);
            var fromJson = Assert.IsType<PlanResult.Success>(AddressPlanner.Plan(read!));
            Assert.Equal(json, PlanJson.Serialize(fromJson.Plan));

            var (reread, rereadError) = PlanJson.ReadPlan(json);
            Assert.Null(rereadError);
            Assert.Equal(json, PlanJson.Serialize(reread!));
        }), Iterations(3000, 100_000), Print, Watchdog);
    }

    [Fact]
    public void Plan_PriorLayoutPlusOneDevice_MovesNoPriorDevice()
    {
        var run = new FuzzRun("prior layout + one device (re-plan the plan, then add a device)", output);
        var gen = Gen.Select(RequestGenerators.Request(16, cleanPercent: 90), RequestGenerators.NewDevice);
        run.Sample(gen, x => CheckStability(run, x.Item1, x.Item2), Iterations(1500, 50_000), x => Print(x.Item1) + "\nadded: " + PrintDevice(x.Item2), Watchdog);
    }

    private static void CheckStability(FuzzRun run, PlanRequest request, Device added) =>
        run.Case(Print(request) + "\nadded: " + PrintDevice(added), () =>
        {
            var firstResult = UnusableInputs.PlanOrKnownCrash(request, run);
            if (firstResult is null) return;
            if (firstResult is not PlanResult.Success first)
            {
                var e = ((PlanResult.Failure)firstResult).Error;
                run.Note($"request rejected ({e.Code}/{e.Rule}), nothing to re-plan");
                return;
            }
            var prior = first.Plan;
            var layout = prior.Devices.Select(d => d with { Added = false, Reason = null }).ToList();
            var again = new PlanRequest { Machine = prior.Machine, NumaNodes = request.NumaNodes, MemorySlots = request.MemorySlots, Devices = layout };
            if ((UnusableInputs.Match(request with { Devices = [.. request.Devices, added] }) ?? UnusableInputs.Match(again with { Devices = [.. layout, added] })) is { } bug)
            {
                run.Note("known policy bug: " + bug.Id);
                return;
            }

            // The plan fed back as a request is a fixed point: nothing moves, nothing is added.
            var same = AddressPlanner.Plan(again);
            if (same is PlanResult.Failure f)
                throw run.Invalid($"the plan fed back as a request is rejected: {f.Error.Code}/{f.Error.Rule}: {f.Error.Message}");
            AssertNothingMoved(prior, ((PlanResult.Success)same).Plan, run, "re-planning the plan");
            run.Plan();

            switch (AddressPlanner.Plan(again with { Devices = [.. layout, added] }))
            {
                case PlanResult.Success grown:
                    run.Plan();
                    AssertNothingMoved(prior, grown.Plan, run, $"adding {added.Kind} {added.Type ?? added.Model}");
                    var violations = PlanCheck.Errors(grown.Plan, run, again with { Devices = [.. layout, added] });
                    if (violations.Count > 0)
                        throw run.Invalid("invalid plan after adding a device:\n" + string.Join("\n", violations.Select(v => $"  {v.Rule}: {v.Message}")));
                    break;
                case PlanResult.Failure failure:
                    run.Error(failure.Error, again with { Devices = [.. layout, added] });
                    break;
            }
        });

    /// <summary>Same place: equal addresses, PCI ones compared without the multifunction flag (adding a function to a slot turns it on).</summary>
    internal static bool SamePlace(DeviceAddress? a, DeviceAddress? b) =>
        a is PciAddress p && b is PciAddress q ? p with { Multifunction = null } == q with { Multifunction = null } : Equals(a, b);

    private static void AssertNothingMoved(Plan prior, Plan next, FuzzRun run, string what)
    {
        var byId = next.Devices.ToDictionary(d => d.Id, StringComparer.Ordinal);
        foreach (var d in prior.Devices)
        {
            if (!byId.TryGetValue(d.Id, out var now))
                throw run.Invalid($"{what}: device {d.Id} disappeared");
            if (!SamePlace(d.Address, now.Address))
                throw run.Invalid($"{what}: device {d.Id} moved from {d.Address} to {now.Address}");
        }
    }
}
