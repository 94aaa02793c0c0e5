using System.Globalization;
using DevAddr.Core.Model;

namespace DevAddr.Benchmarks;

/// <summary>
/// The benchmark guests: small (a typical cloud VM, ~10 devices), medium (~35: a database server with
/// several disks and NICs) and large (~170: a NFV/storage appliance with many NICs, disks, channels and
/// host devices), for x86_64 q35, x86_64 pc (i440fx) and aarch64 virt.
/// </summary>
public static class Guests
{
    /// <summary>Machines benchmarked.</summary>
    public static IEnumerable<string> Machines => ["q35", "pc", "virt"];

    /// <summary>A guest of a size ("small", "medium", "large") for a machine ("q35", "pc", "virt").</summary>
    public static PlanRequest Create(string machine, string size) => size switch
    {
        "small" => Build(machine, virtioDisks: 2, scsiDisks: 0, nics: 1, channels: 1, usbInputs: 1, hostdevs: 0),
        "medium" => Build(machine, virtioDisks: 8, scsiDisks: 6, nics: 6, channels: 4, usbInputs: 2, hostdevs: 2),
        "large" => Build(machine, virtioDisks: 40, scsiDisks: 40, nics: 48, channels: 24, usbInputs: 4, hostdevs: 8),
        _ => throw new ArgumentOutOfRangeException(nameof(size), size, "small, medium or large"),
    };

    private static PlanRequest Build(string machine, int virtioDisks, int scsiDisks, int nics, int channels, int usbInputs, int hostdevs)
    {
        var ci = CultureInfo.InvariantCulture;
        var devices = new List<Device>();
        for (int i = 0; i < virtioDisks; i++)
            devices.Add(new Device { Id = $"vd{i}", Kind = "disk", Type = "disk", Bus = "virtio", Target = "vd" + DiskSuffix(i) });
        // The cdrom takes the first "sd" name (libvirt derives the drive controller from the name's index, so a
        // name like sdzz would make it add ~100 SCSI controllers); the SCSI disks follow it.
        devices.Add(machine switch
        {
            "pc" => new Device { Id = "cdrom", Kind = "disk", Type = "cdrom", Bus = "ide", Target = "hdc" },
            "q35" => new Device { Id = "cdrom", Kind = "disk", Type = "cdrom", Bus = "sata", Target = "sda" },
            _ => new Device { Id = "cdrom", Kind = "disk", Type = "cdrom", Bus = "scsi", Target = "sda" },
        });
        for (int i = 0; i < scsiDisks; i++)
            devices.Add(new Device { Id = $"sd{i}", Kind = "disk", Type = "disk", Bus = "scsi", Target = "sd" + DiskSuffix(i + 1) });
        for (int i = 0; i < nics; i++)
            devices.Add(new Device { Id = $"nic{i}", Kind = "interface", Type = "network", Model = "virtio" });
        for (int i = 0; i < channels; i++)
            devices.Add(new Device { Id = $"ch{i}", Kind = "channel", Type = "virtio", Target = string.Create(ci, $"org.example.port.{i}") });
        if (machine == "virt" && usbInputs > 0) // aarch64 virt has no default USB controller
            devices.Add(new Device { Id = "usb", Kind = "controller", Type = "usb", Model = "qemu-xhci" });
        for (int i = 0; i < usbInputs; i++)
            devices.Add(new Device { Id = $"in{i}", Kind = "input", Type = i % 2 == 0 ? "tablet" : "keyboard", Bus = "usb" });
        for (int i = 0; i < hostdevs; i++)
            devices.Add(new Device { Id = $"hd{i}", Kind = "hostdev", Type = "pci", Host = new HostDevice { Address = string.Create(ci, $"0000:{0x3b + i / 8:x2}:00.{i % 8:x}") } });
        devices.Add(new Device { Id = "rng", Kind = "rng", Model = "virtio" });
        devices.Add(new Device { Id = "video", Kind = "video", Model = machine == "pc" ? "qxl" : "virtio" });
        string arch = machine == "virt" ? "aarch64" : "x86_64";
        return new PlanRequest { Machine = new MachineSpec(arch, machine), Devices = devices };
    }

    /// <summary>libvirt's disk name suffix: 0 → a, 25 → z, 26 → aa.</summary>
    private static string DiskSuffix(int index)
    {
        string s = "";
        for (int i = index; i >= 0; i = i / 26 - 1) s = (char)('a' + i % 26) + s;
        return s;
    }
}
