using DevAddr.Core.Model;

namespace DevAddr.TestSupport;

/// <summary>
/// The libvirt release of the live oracle most tests compare with (tools/oracle/libvirt-expand: libvirt 9.0 from
/// Debian 12) and of the corpora in fixtures/conformance/libvirt-9.0*: requests planned for a comparison with them pin it.
/// </summary>
internal static class Oracle90
{
    /// <summary>The release.</summary>
    public const string Version = "9.0";

    /// <summary>The libvirt policy of that release.</summary>
    public static PolicySpec Policy { get; } = new() { Version = Version };

    /// <summary>A policy pinned to that release (the libvirt policy's version, the optimize policy's libvirt rules).</summary>
    public static PolicySpec Pin(PolicySpec policy) =>
        policy.Name == PolicySpec.Libvirt ? policy with { Version = Version } : policy with { LibvirtVersion = Version };
}
