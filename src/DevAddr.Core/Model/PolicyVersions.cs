using DevAddr.Core.Catalog;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Model;

/// <summary>One version of a policy: what it is and what it reproduces.</summary>
/// <param name="Policy">Policy name (<c>libvirt</c>, <c>optimize</c>).</param>
/// <param name="Version">Version as requests pin it and plans record it (e.g. <c>9.0</c>, <c>1</c>).</param>
/// <param name="Description">What the version does, for <c>devaddr models</c> and error messages.</param>
public sealed record PolicyVersion(string Policy, string Version, string Description)
{
    /// <summary>The version's name as the golden plans and the changelog use it, e.g. <c>libvirt-9.0</c>, <c>optimize-1</c>.</summary>
    public string Label => Policy + "-" + Version;
}

/// <summary>
/// The versions of each policy. A plan is a guest's hardware ABI: the same request under the same policy version
/// gives the same plan, across DevAddr releases, OR-Tools releases and machines. A change to what a policy outputs
/// for an unchanged request is a new version; the old one stays selectable. A request that names no version gets
/// the newest (the last of its policy in <see cref="All"/>). The <c>libvirt</c> policy's versions are the libvirt
/// releases it reproduces (models/libvirt-versions.json); the <c>optimize</c> policy's are versions of its CP-SAT
/// model, and it follows a libvirt release (<see cref="PolicySpec.LibvirtVersion"/>) for everything but PCI placement.
/// </summary>
public static class PolicyVersions
{
    /// <summary>Every selectable version, oldest first within each policy.</summary>
    public static IReadOnlyList<PolicyVersion> All { get; } =
    [
        .. DeviceCatalog.Default.LibvirtVersions.Select(v => new PolicyVersion(PolicySpec.Libvirt, v.Version, v.Description)),
        new(PolicySpec.Optimize, "1", "PCI placement by CP-SAT model 1 under the tunables; every other address as the libvirt release of policy.libvirt assigns it"),
    ];

    /// <summary>The versions of <paramref name="policy"/>, oldest first (empty for an unknown policy).</summary>
    public static IReadOnlyList<PolicyVersion> Of(string policy) =>
        All.Where(v => string.Equals(v.Policy, policy, StringComparison.Ordinal)).ToList();

    /// <summary>Why a policy's name or version is unknown (the error <see cref="Resolve"/> would raise), or null.</summary>
    public static PlanError? Check(PolicySpec policy)
    {
        try
        {
            Resolve(policy);
            return null;
        }
        catch (PlanningException ex)
        {
            return ex.Error;
        }
    }

    /// <summary>
    /// The version a request's policy resolves to: the one it pins, or the newest. An unknown version is refused
    /// (<c>invalid-input</c>, rule <c>known-policy-version</c>) with the versions that exist.
    /// </summary>
    public static PolicyVersion Resolve(PolicySpec policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var versions = Of(policy.Name);
        if (versions.Count == 0)
            throw PlanningException.Create(ErrorCodes.InvalidInput,
                $"policy.name: unknown policy '{policy.Name}' (allowed: {string.Join(", ", All.Select(v => v.Policy).Distinct())})",
                rule: "known-policy");
        if (policy.Version is null)
            return versions[^1];
        return versions.FirstOrDefault(v => string.Equals(v.Version, policy.Version, StringComparison.Ordinal))
            ?? throw PlanningException.Create(ErrorCodes.InvalidInput,
                $"policy.version: '{policy.Version}' is not a version of policy '{policy.Name}' (allowed: {string.Join(", ", versions.Select(v => v.Version))}; left out: the newest, {versions[^1].Version})",
                rule: "known-policy-version");
    }

    /// <summary>
    /// The libvirt release whose rules a request's policy follows: the <c>libvirt</c> policy's version, or the
    /// <c>optimize</c> policy's <c>policy.libvirt</c> (left out: the newest); or the error (<c>invalid-input</c>,
    /// rule <c>known-policy-version</c>) for an unknown release.
    /// </summary>
    public static (LibvirtRules? Rules, PlanError? Error) LibvirtOf(PolicySpec policy, DeviceCatalog? catalog = null)
    {
        try
        {
            return (ResolveLibvirt(policy, catalog ?? DeviceCatalog.Default), null);
        }
        catch (PlanningException ex)
        {
            return (null, ex.Error);
        }
    }

    internal static LibvirtRules ResolveLibvirt(PolicySpec policy, DeviceCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(catalog);
        var known = catalog.LibvirtVersions;
        if (policy.Name == PolicySpec.Libvirt)
        {
            if (policy.LibvirtVersion is not null && policy.LibvirtVersion != (policy.Version ?? known[^1].Version))
                throw PlanningException.Create(ErrorCodes.InvalidInput,
                    $"policy.libvirt: the libvirt policy follows the release named by policy.version ('{policy.Version ?? known[^1].Version}'; allowed: {string.Join(", ", known.Select(v => v.Version))}); give \"version\": \"{policy.LibvirtVersion}\" instead of \"libvirt\", or leave policy.libvirt out", rule: "known-policy-version");
            return catalog.FindLibvirt(policy.Version ?? known[^1].Version) ?? known[^1];
        }
        if (policy.LibvirtVersion is null) return known[^1];
        return catalog.FindLibvirt(policy.LibvirtVersion)
            ?? throw PlanningException.Create(ErrorCodes.InvalidInput,
                $"policy.libvirt: '{policy.LibvirtVersion}' is not a libvirt release DevAddr reproduces (allowed: {string.Join(", ", known.Select(v => v.Version))}; left out: the newest, {known[^1].Version})",
                rule: "known-policy-version");
    }
}
