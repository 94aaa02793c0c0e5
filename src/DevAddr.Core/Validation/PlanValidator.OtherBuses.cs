using DevAddr.Core.Model;

namespace DevAddr.Core.Validation;

// The address kinds of the other machines: pseries spapr-vio registers and PCI host bridge target indexes,
// s390x channel I/O (CCW) device numbers and zPCI ids.
internal sealed partial class PlanValidator
{
    /// <summary>spapr-vio registers present, at most 0xffffffff and unique.</summary>
    private void CheckSpaprVio()
    {
        Dictionary<long, Device>? holders = null;
        foreach (var d in _devices)
        {
            if (d.Address is not SpaprVioAddress v) continue;
            holders ??= [];
            if (v.Reg is not long reg || reg < 0 || reg > SpaprVioAddress.RegLast)
            {
                Fail("spapr-vio-reg-range", d, Inv($"{d.Id}: spapr-vio reg {(v.Reg is long r ? "0x" + r.ToString("x", System.Globalization.CultureInfo.InvariantCulture) : "is missing")}; it must be 0-0xffffffff"));
                continue;
            }
            if (!holders.TryAdd(reg, d))
                Fail("spapr-vio-reg-unique", d, Inv($"{d.Id} and {holders[reg].Id} both have {v}"));
        }
    }

    /// <summary>CCW addresses complete, in range and unique.</summary>
    private void CheckCcw()
    {
        Dictionary<(int, int, int), Device>? holders = null;
        foreach (var d in _devices)
        {
            if (d.Address is not CcwAddress c) continue;
            holders ??= [];
            if (!c.IsComplete || c.Cssid is < 0 or > CcwAddress.CssidLast || c.Ssid is < 0 or > CcwAddress.SsidLast || c.Devno is < 0 or > CcwAddress.DevnoLast)
            {
                Fail("ccw-address-range", d, Inv($"{d.Id}: CCW address cssid={c.Cssid} ssid={c.Ssid} devno={c.Devno} must have cssid 0-0xfe, ssid 0-3, devno 0-0xffff"));
                continue;
            }
            if (!holders.TryAdd((c.Cssid!.Value, c.Ssid!.Value, c.Devno!.Value), d))
                Fail("ccw-address-unique", d, Inv($"{d.Id} and {holders[(c.Cssid.Value, c.Ssid.Value, c.Devno.Value)].Id} both have CCW device number {c}"));
        }
    }

    /// <summary>zPCI ids only on machines that have them, both present and in range, each unique.</summary>
    private void CheckZpci()
    {
        Dictionary<int, Device>? uids = null;
        Dictionary<long, Device>? fids = null;
        foreach (var d in _devices)
        {
            if (d.Address is not PciAddress { Zpci: { } z }) continue;
            uids ??= [];
            fids ??= [];
            if (!_machine.Zpci)
            {
                Fail("zpci-machine", d, Inv($"{d.Id}: zPCI ids are set, but machine type {_machine.Name} has no zPCI"));
                continue;
            }
            if (z.Uid is not int uid || uid < 1 || uid > ZpciIds.UidLast || z.Fid is not long fid || fid < 0 || fid > ZpciIds.FidLast)
            {
                Fail("zpci-range", d, Inv($"{d.Id}: zPCI uid {z.Uid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)"} fid {z.Fid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)"}: uid must be 1-0xffff, fid 0-0xffffffff"));
                continue;
            }
            if (!uids.TryAdd(uid, d))
                Fail("zpci-unique", d, Inv($"{d.Id} and {uids[uid].Id} both have zPCI uid 0x{uid:x4}"));
            if (!fids.TryAdd(fid, d))
                Fail("zpci-unique", d, Inv($"{d.Id} and {fids[fid].Id} both have zPCI fid 0x{fid:x8}"));
        }
    }

    /// <summary>pseries PCI host bridges: target index 0 exactly for index 0, others 1-30; other machines' roots have none.</summary>
    private void CheckTargetIndexes()
    {
        foreach (var c in _devices)
        {
            if (!IsPciController(c) || c.Controller?.TargetIndex is not int t) continue;
            int idx = c.Index ?? 0;
            if (!_machine.RootTargetIndex || c.Model != _machine.PciRoot)
                Fail("pci-target-index", c, Inv($"{c.Id}: only pseries PCI host bridges (pci-root) have a target index"));
            else if (t < 0 || t > 30)
                Fail("pci-target-index", c, Inv($"{c.Id}: target index {t} is outside 0-30"));
            else if ((t == 0) != (idx == 0))
                Fail("pci-target-index", c, Inv($"{c.Id}: only the PCI controller with index 0 has target index 0 (index {idx}, target index {t})"));
        }
    }
}
