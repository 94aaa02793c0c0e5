using System.Globalization;
using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Solver;

namespace DevAddr.Golden;

/// <summary>One golden plan: a request under one policy variant and one policy version, and where its golden file is.</summary>
/// <param name="Path">The golden file, relative to <c>fixtures/golden/plans</c>: <c>LABEL/SET.VARIANT/NAME.json</c>.</param>
/// <param name="Request">The request exactly as planned (its policy replaced by the variant's, the version pinned).</param>
internal sealed record GoldenCase(string Path, PlanRequest Request);

/// <summary>
/// The golden plans: every request of <c>fixtures/examples</c> and <c>fixtures/scenarios</c> as written and under
/// each policy of <c>fixtures/policies</c>; the frozen generated requests of <c>fixtures/golden/requests</c> under
/// the default policy and the optimize policies of <c>fixtures/golden/policies</c>; each under every version of
/// its policy (or the version it pins).
/// </summary>
internal static class GoldenSet
{
    /// <summary>Generated request sets and the policy variants each is planned under.</summary>
    private static readonly (string Set, string[] Variants)[] GeneratedSets =
    [
        ("generated", ["libvirt", "reserves", "budgets"]),
        ("generated-numa", ["numa"]),
    ];

    /// <summary>The root of the golden files under <paramref name="root"/> (the repository).</summary>
    public static string GoldenDir(string root) => System.IO.Path.Combine(root, "fixtures", "golden");

    /// <summary>Where the golden plans are.</summary>
    public static string PlansDir(string root) => System.IO.Path.Combine(GoldenDir(root), "plans");

    /// <summary>Every golden case, in a fixed order (by path).</summary>
    public static IReadOnlyList<GoldenCase> Cases(string root)
    {
        var cases = new List<GoldenCase>();
        string fixtures = System.IO.Path.Combine(root, "fixtures");
        var policyFiles = ReadPolicies(System.IO.Path.Combine(fixtures, "policies"));
        foreach (string set in new[] { "examples", "scenarios" })
        {
            foreach (var (name, request) in ReadRequests(System.IO.Path.Combine(fixtures, set)))
            {
                var variants = new List<(string, PolicySpec)> { ("own", request.Policy) };
                string own = PolicyText(request.Policy with { Version = null });
                // A policy file that says what the request says already would only repeat its "own" plans.
                variants.AddRange(policyFiles.Where(p => PolicyText(p.Policy) != own));
                foreach (var (variant, policy) in variants)
                    AddVersions(cases, set, variant, name, request with { Policy = policy });
            }
        }

        var goldenPolicies = ReadPolicies(System.IO.Path.Combine(GoldenDir(root), "policies"))
            .Concat(policyFiles.Where(p => p.Name == "libvirt"))
            .ToDictionary(p => p.Name, p => p.Policy, StringComparer.Ordinal);
        foreach (var (set, variants) in GeneratedSets)
        {
            foreach (var (name, request) in ReadRequests(System.IO.Path.Combine(GoldenDir(root), "requests", set)))
            {
                foreach (string variant in variants)
                {
                    var policy = goldenPolicies.TryGetValue(variant, out var p) ? p
                        : throw new InvalidOperationException($"no policy file for golden variant '{variant}' in fixtures/golden/policies or fixtures/policies");
                    AddVersions(cases, set, variant, name, request with { Policy = policy });
                }
            }
        }

        return cases.OrderBy(c => c.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// One case per version of the request's policy (only the pinned one when it pins a version); the optimize policy's
    /// versions once per libvirt release it can follow (only the pinned one when it pins one).
    /// </summary>
    private static void AddVersions(List<GoldenCase> cases, string set, string variant, string name, PlanRequest request)
    {
        var policy = request.Policy;
        var versions = policy.Version is { } pinned
            ? PolicyVersions.Of(policy.Name).Where(v => v.Version == pinned)
            : PolicyVersions.Of(policy.Name);
        var releases = policy.Name == PolicySpec.Libvirt
            ? [null]
            : policy.LibvirtVersion is { } pinnedRelease ? [pinnedRelease] : DeviceCatalog.Default.LibvirtVersions.Select(l => (string?)l.Version).ToList();
        foreach (var v in versions)
        {
            foreach (string? release in releases)
            {
                string label = release is null ? v.Label : $"{v.Label}-libvirt-{release}";
                cases.Add(new GoldenCase(
                    string.Create(CultureInfo.InvariantCulture, $"{label}/{set}.{variant}/{name}.json"),
                    request with { Policy = policy with { Version = v.Version, LibvirtVersion = release } }));
            }
        }
    }

    /// <summary>Plans a case; the golden text of its plan or of its error object.</summary>
    public static string Run(GoldenCase c) => OptimizingPlanner.Plan(c.Request) switch
    {
        PlanResult.Success s => GoldenText.Format(PlanJson.Serialize(s.Plan)),
        PlanResult.Failure f => GoldenText.Format(PlanJson.Serialize(f.Error)),
        _ => throw new InvalidOperationException("unknown plan result"),
    };

    /// <summary>Plans every case on every core; results in the order of <paramref name="cases"/>.</summary>
    public static string[] RunAll(IReadOnlyList<GoldenCase> cases)
    {
        var results = new string[cases.Count];
        Parallel.For(0, cases.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => results[i] = Run(cases[i]));
        return results;
    }

    private static IEnumerable<(string Name, PlanRequest Request)> ReadRequests(string dir)
    {
        if (!Directory.Exists(dir)) yield break;
        foreach (string file in Directory.EnumerateFiles(dir).Where(IsDocument).Order(StringComparer.Ordinal))
        {
            var (request, error) = PlanJson.ReadRequest(File.ReadAllText(file), IsYaml(file));
            if (error is not null) throw new InvalidDataException($"{file}: {error.Message}");
            yield return (System.IO.Path.GetFileNameWithoutExtension(file), request!);
        }
    }

    private static List<(string Name, PolicySpec Policy)> ReadPolicies(string dir)
    {
        var list = new List<(string, PolicySpec)>();
        if (!Directory.Exists(dir)) return list;
        foreach (string file in Directory.EnumerateFiles(dir).Where(IsDocument).Order(StringComparer.Ordinal))
        {
            var (policy, error) = PlanJson.ReadPolicy(File.ReadAllText(file), IsYaml(file));
            if (error is not null) throw new InvalidDataException($"{file}: {error.Message}");
            list.Add((System.IO.Path.GetFileNameWithoutExtension(file), policy!));
        }

        return list;
    }

    private static string PolicyText(PolicySpec policy) => System.Text.Json.JsonSerializer.Serialize(policy, PlanJson.Options);

    private static bool IsDocument(string file) => System.IO.Path.GetExtension(file) is ".json" or ".yaml" or ".yml";

    private static bool IsYaml(string file) => System.IO.Path.GetExtension(file) is ".yaml" or ".yml";
}
