namespace DevAddr.TestSupport;

/// <summary>The hotplug tests' paths; the root is found in the shared tests/Shared/RepoPaths.cs.</summary>
internal static partial class RepoPaths
{
    public static string Hotplug => Path.Combine(Root, "fixtures", "hotplug");

    public static string Models => Path.Combine(Root, "models");

    public static string HotplugTool => Path.Combine(Root, "tools", "oracle", "libvirt-hotplug");
}
