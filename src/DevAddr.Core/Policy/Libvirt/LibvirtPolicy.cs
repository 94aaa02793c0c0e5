using DevAddr.Core.Catalog;
using DevAddr.Core.Model;
using DevAddr.Core.Topology;

namespace DevAddr.Core.Policy.Libvirt;

/// <summary>
/// The default policy: reproduces libvirt 9.0's device defaulting and address assignment for QEMU guests.
/// Steps, in libvirt's order: parse (list order, parse-time SCSI controllers) → post-parse (controller indexes,
/// default devices, models, drive addresses, serial console, implicit controllers and video) → virtio-serial
/// ports → PCI (dry run that decides which controllers to add, then a final pass) → USB ports → DIMM slots →
/// validation.
/// </summary>
internal sealed partial class LibvirtPolicy
{
    private readonly DeviceCatalog _catalog;
    private readonly MachineType _machine;
    private readonly PlanRequest _request;
    private readonly PolicyVersion _version;
    private readonly LibvirtRules _rules;
    private readonly List<WorkDevice> _devices;
    private readonly List<WorkDevice> _controllers;
    private readonly HashSet<string> _ids;

    private readonly IPciPlacementEngine? _engine;
    private SolverReport? _report;

    private readonly IReadOnlyDictionary<string, DeviceAddress> _movable;
    private readonly int _moveWeight;

    /// <summary>The request's host topology (null without one): passed-through devices' PCI Express flag and BARs come from it.</summary>
    private readonly Host.HostTopologyIndex? _host;

    public LibvirtPolicy(DeviceCatalog catalog, MachineType machine, PlanRequest request, PolicyVersion version, LibvirtRules rules, IPciPlacementEngine? engine = null,
        IReadOnlyDictionary<string, DeviceAddress>? movable = null, int moveWeight = 1000, Host.HostTopologyIndex? host = null)
    {
        _host = host;
        _moveWeight = moveWeight;
        _catalog = catalog;
        _machine = machine;
        _request = request;
        _version = version;
        _rules = rules;
        _engine = engine;
        _movable = movable ?? new Dictionary<string, DeviceAddress>();
        // Room for the devices libvirt adds (controllers, default devices) without regrowing.
        int n = request.Devices.Count;
        _devices = new List<WorkDevice>(n + 8);
        _controllers = new List<WorkDevice>(16 + (n / 2));
        _ids = new HashSet<string>(n + 16, StringComparer.Ordinal);
    }

    public Plan Run()
    {
        Load();
        ParseDevices();
        AddHostdevScsiControllers(parseTime: true);
        AssignControllerIndexes();
        AddDefaultDevices();
        PostParseDevices();
        PostParseCommon();
        ResolveRules();
        ValidateBeforeAddresses();
        AssignVirtioSerialPorts();
        AssignSpaprVioAddresses();
        AssignCcwAddresses();
        PrimeVirtioMmio();
        ReserveGivenZpci();
        if (_engine is null) AssignPciAddresses();
        else AssignPciWithEngine(_engine);
        AssignZpci();
        AssignUsbAddresses();
        AssignDimmSlots();
        ValidateDefinition();
        return BuildPlan();
    }

    private void Load()
    {
        int order = 0;
        foreach (var d in _request.Devices)
        {
            // A device the libvirt release does not know is dropped from the definition (libvirt 9.0: crypto).
            if (_rules.DroppedDeviceKinds.Contains(d.Kind)) continue;
            var w = new WorkDevice(d, order++);
            _ids.Add(w.Id);
            // libvirt's parser gives an ich9 UHCI companion without <master> its start port on the EHCI1 (0, 2, 4) before
            // it sorts the controller in, so it goes after its master (virDomainControllerDefParseXML).
            if (w.IsController && w.Type == "usb" && w.Controller?.MasterStartPort is null && w.Model is not null &&
                _catalog.Resolve("controller", "usb", null, w.Model) is { CompanionFunction: int f, UsbPorts: 0 })
                w.Controller = (w.Controller ?? new ControllerOptions()) with { MasterStartPort = 2 * f };
            if (w.IsController) InsertController(w);
            else if (w.Kind == "disk") InsertDisk(w);
            else _devices.Add(w);
        }
    }

    /// <summary>The controllers, then the devices.</summary>
    private Matching All => new(_controllers, _devices, null, byType: false, null);

    /// <summary>
    /// The controllers, then the devices, sorted by the rank of each (given the device and whether it is on the
    /// controller list; a negative rank leaves it out); within a rank in that order, primary videos first. The keys are
    /// unique, so the order is total and any sort gives it. With <paramref name="keep"/>, only the devices it keeps are
    /// sorted (in the same order among themselves).
    /// </summary>
    private ArraySegment<WorkDevice> SortedByKind(Func<WorkDevice, bool, int> rank, Func<WorkDevice, bool>? keep = null)
    {
        int n = _controllers.Count + _devices.Count;
        Span<long> keys = n <= 256 ? stackalloc long[n] : new long[n];
        WorkDevice[]? sorted = null;
        int count = 0, pos = 0;
        foreach (var d in All)
        {
            int r = keep is null || keep(d) ? rank(d, pos < _controllers.Count) : -1;
            if (r >= 0)
            {
                keys[count] = ((long)r << 32) + (d.Kind == "video" && d.Primary == true ? pos : n + pos);
                (sorted ??= new WorkDevice[n])[count++] = d;
            }
            pos++;
        }
        if (sorted is null) return ArraySegment<WorkDevice>.Empty;
        keys[..count].Sort(sorted.AsSpan(0, count));
        return new ArraySegment<WorkDevice>(sorted, 0, count);
    }

    private Matching OfKind(string kind) => new(_devices, null, kind, byType: false, null);

    /// <summary>
    /// The devices of one kind (or the controllers of one type, or every controller and device), in list order, that
    /// pass an optional filter. A foreach over it allocates nothing, and its own Any, FirstOrDefault, Count,
    /// ElementAtOrDefault and Where are used instead of LINQ's (which would box it).
    /// </summary>
    private readonly struct Matching(List<WorkDevice> first, List<WorkDevice>? second, string? value, bool byType, Func<WorkDevice, bool>? filter)
        : IEnumerable<WorkDevice>
    {
        public Enumerator GetEnumerator() => new(first, second, value, byType, filter);

        IEnumerator<WorkDevice> IEnumerable<WorkDevice>.GetEnumerator() => GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        /// <summary>These that also pass <paramref name="predicate"/>.</summary>
        public Matching Where(Func<WorkDevice, bool> predicate) =>
            new(first, second, value, byType, filter is null ? predicate : Both(filter, predicate));

        /// <summary>Both filters (a method of its own: their closure is made only when two are combined).</summary>
        private static Func<WorkDevice, bool> Both(Func<WorkDevice, bool> a, Func<WorkDevice, bool> b) => d => a(d) && b(d);

        public bool Any()
        {
            foreach (var _ in this) return true;
            return false;
        }

        public bool Any(Func<WorkDevice, bool> predicate)
        {
            foreach (var d in this)
                if (predicate(d)) return true;
            return false;
        }

        public WorkDevice? FirstOrDefault()
        {
            foreach (var d in this) return d;
            return null;
        }

        public WorkDevice? FirstOrDefault(Func<WorkDevice, bool> predicate)
        {
            foreach (var d in this)
                if (predicate(d)) return d;
            return null;
        }

        public WorkDevice First() => FirstOrDefault() ?? throw new InvalidOperationException("no such device");

        /// <summary>The device at <paramref name="index"/> of these, or null.</summary>
        public WorkDevice? ElementAtOrDefault(int index)
        {
            foreach (var d in this)
                if (index-- == 0) return d;
            return null;
        }

        public int Count(Func<WorkDevice, bool> predicate)
        {
            int n = 0;
            foreach (var d in this)
                if (predicate(d)) n++;
            return n;
        }

        public List<WorkDevice> ToList()
        {
            var list = new List<WorkDevice>();
            foreach (var d in this) list.Add(d);
            return list;
        }

        public struct Enumerator(List<WorkDevice> first, List<WorkDevice>? second, string? value, bool byType, Func<WorkDevice, bool>? filter)
            : IEnumerator<WorkDevice>
        {
            private int _index = -1;
            private bool _inSecond;

            public readonly WorkDevice Current => (_inSecond ? second! : first)[_index];

            readonly object System.Collections.IEnumerator.Current => Current;

            public bool MoveNext()
            {
                while (true)
                {
                    var list = _inSecond ? second! : first;
                    while (++_index < list.Count)
                    {
                        var d = list[_index];
                        if ((value is null || (byType ? d.Type : d.Kind) == value) && (filter is null || filter(d))) return true;
                    }
                    if (_inSecond || second is null) return false;
                    _inSecond = true;
                    _index = -1;
                }
            }

            public void Reset()
            {
                _index = -1;
                _inSecond = false;
            }

            public readonly void Dispose()
            {
            }
        }
    }

    private Matching ControllersOf(string type) => new(_controllers, null, type, byType: true, null);

    private WorkDevice? FindController(string type, int index)
    {
        foreach (var c in _controllers)
            if (c.Index == index && c.Type == type) return c;
        return null;
    }

    private string NewId(string stem)
    {
        string id = stem;
        for (int n = 2; !_ids.Add(id); n++) id = $"{stem}-{n}";
        return id;
    }

    /// <summary>Inserts a controller keeping the list grouped by type and sorted by index (masters before companions).</summary>
    private void InsertController(WorkDevice c)
    {
        int insertAt = -1;
        for (int i = _controllers.Count - 1; i >= 0; i--)
        {
            var cur = _controllers[i];
            if (cur.Type != c.Type) continue;
            if (c.Index is null)
            {
                insertAt = i + 1;
                break;
            }
            if ((cur.Index ?? -1) > c.Index)
                insertAt = i;
            else if (c.Controller?.MasterStartPort is null && cur.Controller?.MasterStartPort is not null && cur.Index == c.Index)
                insertAt = i;
            else if (insertAt == -1)
                insertAt = i + 1;
        }
        if (insertAt == -1) _controllers.Add(c);
        else _controllers.Insert(insertAt, c);
    }

    /// <summary>The sort key of each disk inserted so far (its target name's index), computed once.</summary>
    private readonly Dictionary<WorkDevice, int> _diskKeys = new(ReferenceEqualityComparer.Instance);
    /// <summary>Per disk bus: the disk placed last in the list and the highest name index on that bus.</summary>
    private readonly Dictionary<string, (WorkDevice Disk, int MaxKey)> _lastDisk = new(StringComparer.Ordinal);

    /// <summary>Inserts a disk keeping disks of one bus together and sorted by target name (vda, vdb, ..., vdaa).</summary>
    private void InsertDisk(WorkDevice disk)
    {
        int key = disk.Target is null ? -1 : DiskNameToIndex(disk.Target);
        _diskKeys[disk] = key;
        string bus = disk.Bus ?? "";
        // Disks given in name order (the usual case) go right after the last disk of their bus, found from the end
        // without walking every disk: the walk below would give the same place.
        if (_lastDisk.TryGetValue(bus, out var last) && key >= last.MaxKey)
        {
            int at = _devices.Count - 1;
            while (!ReferenceEquals(_devices[at], last.Disk)) at--;
            _devices.Insert(at + 1, disk);
            _lastDisk[bus] = (disk, key);
            return;
        }
        if (!_lastDisk.ContainsKey(bus))
        {
            // The first disk of its bus: after every device so far.
            _devices.Add(disk);
            _lastDisk[bus] = (disk, key);
            return;
        }
        int insertAt = -1;
        for (int i = _devices.Count - 1; i >= 0; i--)
        {
            var cur = _devices[i];
            if (cur.Kind != "disk" || cur.Bus != disk.Bus) continue;
            int curKey = _diskKeys[cur];
            if (curKey > key) insertAt = i;
            else if (insertAt == -1) insertAt = i + 1;
        }
        if (insertAt == -1) _devices.Add(disk);
        else _devices.Insert(insertAt, disk);
    }

    /// <summary>Adds a controller of <paramref name="type"/> at <paramref name="index"/> unless one exists; returns it.</summary>
    private WorkDevice MaybeAddController(string type, int index, string? model, string reason)
    {
        var existing = FindController(type, index);
        if (existing is not null) return existing;
        var c = new WorkDevice(NewId($"{type}{index}"), "controller", type, model, index, reason);
        AddController(c);
        return c;
    }

    /// <summary>
    /// Adds a controller libvirt adds (virDomainDefAddController): appended to the list (libvirt 9.0), or sorted into
    /// its type's group by index like a parsed one (libvirt 11.3).
    /// </summary>
    private void AddController(WorkDevice c)
    {
        if (_rules.AddedControllersSorted) InsertController(c);
        else _controllers.Add(c);
    }

    /// <summary>Adds a device libvirt adds, at the end of the device list, under <paramref name="id"/> or the first free id like it.</summary>
    private WorkDevice AddDevice(string id, string kind, string reason, string? type = null, string? model = null, string? bus = null)
    {
        var w = new WorkDevice(NewId(id), kind, type, model, index: null, reason) { Bus = bus };
        _devices.Add(w);
        return w;
    }

    private static PlanningException Error(string code, string message, WorkDevice? device, string rule) =>
        PlanningException.Create(code, message, device?.Id, rule);
}
