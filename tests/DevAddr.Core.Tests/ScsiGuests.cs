using System.Globalization;
using DevAddr.Core.Model;

namespace DevAddr.Core.Tests;

/// <summary>
/// Large generated guests full of SCSI disks and SCSI host devices, for the SCSI drive-address assignment of the
/// libvirt policy: explicit SCSI controllers of several models (some at higher indexes, one without an index),
/// disks addressed by name (controller = index / 7) and some by a user address, host devices mostly without an
/// address (libvirt picks the first free unit) and some with one, all interleaved in a seeded order. With
/// <c>conflict</c> one host device is given the drive address of a disk (libvirt refuses that). Deterministic for
/// a (machine, count, seed). Also compiled into benchmarks/DevAddr.Benchmarks (linked).
/// </summary>
internal static class ScsiGuests
{
    private static readonly string?[] s_models = [null, "lsilogic", "virtio-scsi", "lsisas1068", "lsisas1078", "am53c974", "vmpvscsi"];

    /// <summary>
    /// A guest of <paramref name="count"/> devices (SCSI controllers, disks and host devices; at most 4,096). With
    /// <paramref name="dense"/> two thirds are disks given addresses on four virtio-scsi controllers (targets 0-3, units
    /// up to a few hundred), so that a guest of 4,096 devices still fits PCI.
    /// </summary>
    public static PlanRequest Create(string machine, int count, ulong seed, bool conflict = false, bool dense = false)
    {
        var ci = CultureInfo.InvariantCulture;
        var rng = new Rng(unchecked(seed ^ ((ulong)count * 0x9E3779B97F4A7C15UL) ^ (machine == "q35" ? 0x5bd1e995UL : 0)));
        var controllers = new List<Device>();
        var disks = new List<Device>();
        var hostdevs = new List<Device>();

        // Explicit controllers: index 0 sometimes, a few higher indexes, one without an index.
        int reach = Math.Max(1, count / 7);
        var models = new Dictionary<int, string?>();
        if (dense)
        {
            for (int i = 0; i < 4; i++) models[i] = "virtio-scsi";
        }
        else if (rng.Below(3) != 0) models[0] = s_models[rng.Below(s_models.Length)];
        int extra = count < 8 ? 0 : 1 + rng.Below(4);
        for (int i = 0; i < extra; i++)
        {
            int idx = 1 + rng.Below(Math.Min(40, reach));
            if (!models.ContainsKey(idx)) models[idx] = s_models[rng.Below(s_models.Length)];
        }
        foreach (var (idx, model) in models.OrderBy(m => m.Key))
            controllers.Add(new Device { Id = string.Create(ci, $"scsi-c{idx}"), Kind = "controller", Type = "scsi", Index = idx, Model = model });
        if (count >= 8 && rng.Below(2) == 0)
            controllers.Add(new Device { Id = "scsi-noindex", Kind = "controller", Type = "scsi", Model = "virtio-scsi" });

        int rest = Math.Max(0, count - controllers.Count);
        int diskCount = dense ? rest * 2 / 3 : rest * (2 + rng.Below(4)) / 10;  // 20-50 % disks
        int hostdevCount = rest - diskCount;
        var takenDense = new HashSet<(int, int, int)>();

        // Taken drive addresses (controller, unit), so that the guest is valid unless a conflict is asked for.
        var taken = new HashSet<(int, int)>();
        var names = new HashSet<int>();
        int nameSpan = Math.Max(diskCount * 3 / 2, 8);
        for (int i = 0; i < diskCount; i++)
        {
            DriveAddress? address = null;
            if (dense && rng.Below(20) != 0)
            {
                int span = Math.Max(16, diskCount / 12);
                for (int tries = 0; tries < 50 && address is null; tries++)
                {
                    var a = new DriveAddress(rng.Below(4), 0, rng.Below(4), rng.Below(span));
                    if (a.Target == 0 && a.Unit < 7 && taken.Contains((a.Controller, a.Unit))) continue;
                    if (takenDense.Add((a.Controller, a.Target, a.Unit))) address = a;
                    if (address is not null && a.Target == 0) taken.Add((a.Controller, a.Unit));
                }
            }
            else if (rng.Below(10) == 0)
            {
                for (int tries = 0; tries < 20 && address is null; tries++)
                {
                    var a = new DriveAddress(rng.Below(Math.Min(200, reach + 2)), 0, 0, rng.Below(7));
                    if (taken.Add((a.Controller, a.Unit))) address = a;
                }
            }
            // A disk with an address gets a name from above the range the others are drawn from (its name does not matter).
            int n;
            if (address is not null)
                do n = nameSpan + rng.Below((3 * diskCount) + 8); while (!names.Add(n));
            else
                do n = rng.Below(dense ? Math.Max(8, diskCount / 5) : nameSpan); while (!names.Add(n));
            if (address is null && !taken.Add((n / 7, n % 7)))
                continue;  // its name's address is taken by a user-addressed disk: leave it out
            disks.Add(new Device { Id = string.Create(ci, $"d{i}"), Kind = "disk", Type = "disk", Bus = "scsi", Target = "sd" + DiskSuffix(n), Address = address });
        }
        for (int i = 0; i < hostdevCount; i++)
        {
            DriveAddress? address = null;
            if (rng.Below(8) == 0)
            {
                var a = new DriveAddress(rng.Below(Math.Min(200, reach + 2)), 0, 0, rng.Below(7));
                if (taken.Add((a.Controller, a.Unit))) address = a;
            }
            hostdevs.Add(new Device
            {
                Id = string.Create(ci, $"h{i}"), Kind = "hostdev", Type = "scsi", Address = address,
                Host = new HostDevice { Address = string.Create(ci, $"scsi_host{i % 16}:0:{i / 16 % 256}:{i / 4096}") },
            });
        }
        if (conflict && disks.Count > 0 && hostdevs.Count > 0)
        {
            var disk = disks[rng.Below(disks.Count)];
            int n = PostParseNameIndex(disk.Target!);
            int h = rng.Below(hostdevs.Count);
            hostdevs[h] = hostdevs[h] with { Address = disk.Address ?? new DriveAddress(n / 7, 0, 0, n % 7) };
        }

        // Interleave disks and host devices in a seeded order, controllers first.
        var body = new List<Device>(disks.Count + hostdevs.Count);
        int di = 0, hi = 0;
        while (di < disks.Count || hi < hostdevs.Count)
        {
            bool takeDisk = hi >= hostdevs.Count || (di < disks.Count && rng.Below(disks.Count + hostdevs.Count) < disks.Count);
            body.Add(takeDisk ? disks[di++] : hostdevs[hi++]);
        }
        return new PlanRequest { Machine = new MachineSpec("x86_64", machine), Devices = [.. controllers, .. body], Policy = new PolicySpec { Version = "9.0" } };
    }

    /// <summary><paramref name="count"/> SCSI host devices without addresses (libvirt places each on the first free unit).</summary>
    public static PlanRequest HostdevsOnly(string machine, int count) => new()
    {
        Machine = new MachineSpec("x86_64", machine),
        Policy = new PolicySpec { Version = "9.0" },
        Devices = [.. Enumerable.Range(0, count).Select(i => new Device
        {
            Id = string.Create(CultureInfo.InvariantCulture, $"h{i}"), Kind = "hostdev", Type = "scsi",
            Host = new HostDevice { Address = string.Create(CultureInfo.InvariantCulture, $"scsi_host{i % 16}:0:{i / 16 % 256}:{i / 4096}") },
        })],
    };

    /// <summary>libvirt's disk name suffix: 0 → a, 25 → z, 26 → aa.</summary>
    private static string DiskSuffix(int index)
    {
        string s = "";
        for (int i = index; ; i = i / 26 - 1)
        {
            s = (char)('a' + (i % 26)) + s;
            if (i < 26) break;
        }
        return s;
    }

    private static int PostParseNameIndex(string target)
    {
        int idx = 0;
        string rest = target[2..];
        for (int i = 0; i < rest.Length; i++) idx = ((idx + (i < 1 ? 0 : 1)) * 26) + (rest[i] - 'a');
        return idx;
    }

    /// <summary>SplitMix64: the same sequence on every platform and .NET version.</summary>
    private sealed class Rng(ulong seed)
    {
        private ulong _state = seed;

        public int Below(int n)
        {
            unchecked
            {
                _state += 0x9E3779B97F4A7C15UL;
                ulong z = _state;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                z ^= z >> 31;
                return (int)(z % (ulong)n);
            }
        }
    }
}
