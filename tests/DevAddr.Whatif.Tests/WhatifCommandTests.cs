using System.Text.Json;

namespace DevAddr.Whatif.Tests;

/// <summary><c>devaddr whatif</c> through the real root command: policies side by side, sweeps, infeasible columns.</summary>
public sealed partial class WhatifCommandTests : IDisposable
{
    /// <summary>q35 with a disk and a NIC, optimize policy with a hard reserve of 16 root ports.</summary>
    private static readonly string Small = WhatifTestFiles.Repo("fixtures/scenarios/spare-16-root-ports.json");
    /// <summary>q35, 4 NUMA nodes, NICs pinned to nodes 1 and 3.</summary>
    private static readonly string Numa = WhatifTestFiles.Repo("fixtures/scenarios/numa-4-nodes-nics-on-2.json");

    private readonly WhatifTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static JsonElement Scenario(JsonDocument doc, string name) =>
        doc.RootElement.GetProperty("scenarios").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);

    [Fact]
    public void Whatif_Reserve0VsReserve8_EightMoreSpareRootPorts()
    {
        string r0 = _files.ReservePolicy("reserve0.json", 0), r8 = _files.ReservePolicy("reserve8.json", 8);

        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Small, "--policy", r0, "--policy", r8, "--no-baseline", "--format", "json");

        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(2, doc.RootElement.GetProperty("scenarios").GetArrayLength());
        var a = Scenario(doc, "reserve0");
        var b = Scenario(doc, "reserve8");
        Assert.Equal("optimal", a.GetProperty("status").GetString());
        Assert.Equal("optimal", b.GetProperty("status").GetString());
        Assert.Equal(a.GetProperty("spareRootPorts").GetInt32() + 8, b.GetProperty("spareRootPorts").GetInt32());
        Assert.Equal(a.GetProperty("sparePlaces").GetInt32() + 8, b.GetProperty("sparePlaces").GetInt32());
        Assert.Equal(a.GetProperty("rootPorts").GetInt32() + 8, b.GetProperty("rootPorts").GetInt32());
        Assert.Equal(a.GetProperty("controllersAdded").GetInt32() + 8, b.GetProperty("controllersAdded").GetInt32());
        Assert.Equal(a.GetProperty("busNumbers").GetInt32() + 8, b.GetProperty("busNumbers").GetInt32());
        Assert.True(b.GetProperty("objective").GetInt64() > a.GetProperty("objective").GetInt64());
    }

    [Fact]
    public void Whatif_TwoPoliciesAsText_OneColumnEachAndNoColoursWhenRedirected()
    {
        string r0 = _files.ReservePolicy("reserve0.json", 0), r8 = _files.ReservePolicy("reserve8.json", 8);

        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Small, "--policy", r0, "--policy", r8, "--no-baseline");

        Assert.True(exit == 0, err);
        string header = stdout.Split('\n').First(l => l.Contains("reserve0", StringComparison.Ordinal));
        Assert.Contains("reserve8", header);
        Assert.DoesNotContain("request", header);
        Assert.Equal(3, header.Count(c => c == '│') - 1); // label column + two policy columns
        Assert.Contains("spare root ports", stdout);
        Assert.Contains("not deterministic", stdout);
        Assert.DoesNotContain('\u001b', stdout);
    }

    [Fact]
    public void Whatif_Baseline_IsTheFirstColumnWithTheRequestsPolicy()
    {
        string r0 = _files.ReservePolicy("reserve0.json", 0);

        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Small, "--policy", r0, "--format", "json");

        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        var names = doc.RootElement.GetProperty("scenarios").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal(["request", "reserve0"], names);
        // The request reserves 16 root ports.
        Assert.Equal(16, Scenario(doc, "request").GetProperty("spareRootPorts").GetInt32());
    }

    [Fact]
    public void Whatif_LibvirtPolicy_HasNoObjectiveAndStatusPlanned()
    {
        string libvirt = _files.Write("libvirt.yaml", "name: libvirt\n");

        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Small, "--policy", libvirt, "--format", "json");

        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        var s = Scenario(doc, "libvirt");
        Assert.Equal("libvirt", s.GetProperty("policy").GetString());
        Assert.Equal("planned", s.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, s.GetProperty("objective").ValueKind);
    }

    [Fact]
    public void Whatif_TwoLibvirtReleases_ListWhatTheNewerOneChanges()
    {
        string q35 = WhatifTestFiles.Repo("fixtures/examples/q35-basic.json");

        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", q35, "--libvirt", "9.0", "--libvirt", "11.3", "--format", "json");

        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        var names = doc.RootElement.GetProperty("scenarios").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal(["libvirt-9.0", "libvirt-11.3"], names);
        Assert.False(Scenario(doc, "libvirt-9.0").TryGetProperty("changesFromFirst", out _));
        // libvirt 11.3 lists the q35 chipset's iTCO watchdog; nothing else of this guest differs.
        var changes = Scenario(doc, "libvirt-11.3").GetProperty("changesFromFirst").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Equal(["added watchdog-itco (watchdog itco)"], changes);

        var (textExit, text, textErr) = WhatifTestFiles.Run("whatif", q35, "--libvirt", "9.0", "--libvirt", "11.3");
        Assert.True(textExit == 0, textErr);
        Assert.Contains("libvirt-11.3 against libvirt-9.0:", text, StringComparison.Ordinal);
        Assert.Contains("added watchdog-itco (watchdog itco)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Whatif_ReleasesThatAgreeOnAGuest_ZeroChanges()
    {
        // An i440fx guest: nothing in it is addressed differently by libvirt 9.0 and 11.3.
        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", WhatifTestFiles.Repo("fixtures/examples/pc-basic.yaml"),
            "--libvirt", "9.0", "--libvirt", "11.3", "--format", "csv");

        Assert.True(exit == 0, err);
        var lines = stdout.Trim().Split('\n');
        Assert.EndsWith(",changedFromFirst", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(",0", lines[2], StringComparison.Ordinal);
    }

    /// <summary>A sweep planned in parallel gives the same report as one column at a time (solve times are not in it).</summary>
    [Fact]
    public void Whatif_SweepInParallel_SameReportAsOneAtATime()
    {
        string[] sweep = ["whatif", Numa, "--sweep", "hotplugReserve=0..12:2", "--format", "json"];

        var one = WhatifTestFiles.Run([.. sweep, "--jobs", "1"]);
        var two = WhatifTestFiles.Run([.. sweep, "--jobs", "2"]);
        var all = WhatifTestFiles.Run([.. sweep]);

        Assert.True(one.Exit == 0, one.Err);
        Assert.Equal(7, JsonDocument.Parse(one.Out).RootElement.GetProperty("scenarios").GetArrayLength());
        Assert.Equal(one.Out, two.Out);
        Assert.Equal(one.Out, all.Out);
    }

    [Fact]
    public void Whatif_NegativeJobs_IsAUsageErrorAndWritesNoReport()
    {
        string report = _files.PathOf("report.json");

        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Small, "--sweep", "hotplugReserve=0..2", "--jobs", "-2", "-o", report);

        Assert.Equal(1, exit);
        Assert.Equal("devaddr: --jobs must be 0 (one per processor) or more, got -2\n", err);
        Assert.Equal("", stdout);
        Assert.False(File.Exists(report));
    }

    [Fact]
    public void Whatif_Sweep0To4_FiveRowsWithMonotonicSparePlaces()
    {
        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Small, "--sweep", "hotplugReserve=0..4", "--format", "csv");

        Assert.True(exit == 0, err);
        var rows = Csv.Parse(stdout);
        var header = rows[0];
        Assert.Equal(5, rows.Count - 1);
        int value = header.IndexOf("value"), spare = header.IndexOf("sparePlaces"), status = header.IndexOf("status");
        Assert.Equal(["0", "1", "2", "3", "4"], rows.Skip(1).Select(r => r[value]));
        Assert.All(rows.Skip(1), r => Assert.Equal("optimal", r[status]));
        var spares = rows.Skip(1).Select(r => int.Parse(r[spare], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(spares.Order(), spares);
        Assert.Equal(4, spares[^1] - spares[0]);
    }

    [Fact]
    public void Whatif_SparePortReserveSweep_ReservedMemoryGrowsUntilThe64BitWindowIsFull()
    {
        // The GPU's own port reserves 16 GiB; each of the 2 spare ports 32 MiB plus the swept pref64.
        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", WhatifTestFiles.Repo("fixtures/scenarios/gpu-hotplug-port-reserves.json"),
            "--sweep", "sparePortReserve.pref64=0..8G:2G", "--format", "csv");

        Assert.True(exit == 0, err);
        var rows = Csv.Parse(stdout);
        var header = rows[0];
        int value = header.IndexOf("value"), status = header.IndexOf("status"), reserved = header.IndexOf("reservedBytes"), spare = header.IndexOf("spareRootPorts");
        Assert.True(reserved >= 0, "no reservedBytes column");
        var data = rows.Skip(1).ToList();
        Assert.Equal(5, data.Count);
        foreach (var r in data.Take(4))
        {
            long v = long.Parse(r[value], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal("optimal", r[status]);
            Assert.Equal("2", r[spare]);
            Assert.Equal((16L << 30) + 2 * ((32L << 20) + v), long.Parse(r[reserved], System.Globalization.CultureInfo.InvariantCulture));
        }
        // 8 GiB per spare port: the GPU's 8 GiB BAR, its port's 16 GiB and 2 × 8 GiB exceed the 32 GiB window.
        Assert.Equal("infeasible", data[4][status]);
    }

    [Fact]
    public void Whatif_SweepAsText_OneRowPerValue()
    {
        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Small, "--sweep", "hotplugReserve=0..4:2");

        Assert.True(exit == 0, err);
        var dataRows = stdout.Split('\n').Where(l => l.StartsWith('│') && l.Contains("optimal", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, dataRows.Count);
        Assert.Contains("sweep hotplugReserve 0..4:2", stdout);
    }

    [Fact]
    public void Whatif_PerNodeSweep_SparePlacesGrowOnThatNode()
    {
        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Numa, "--sweep", "hotplugReservePerNode.1=0..2", "--format", "json");

        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        var onNode1 = doc.RootElement.GetProperty("scenarios").EnumerateArray()
            .Select(s => s.GetProperty("sparePerNode").GetProperty("1").GetInt32()).ToList();
        Assert.Equal(3, onNode1.Count);
        for (int i = 0; i < onNode1.Count; i++) Assert.True(onNode1[i] >= i, $"value {i}: {onNode1[i]} spare places on node 1");
        Assert.All(doc.RootElement.GetProperty("scenarios").EnumerateArray(), s => Assert.Equal(0, s.GetProperty("numaMisses").GetInt32()));
    }

    [Fact]
    public void Whatif_InfeasiblePolicy_ColumnShowsErrorCodeAndReason()
    {
        string tight = _files.Write("tight.json",
            """{"name": "optimize", "tunables": {"hotplugReserve": {"value": 8}, "budgets": {"busNumbers": 3}}}""");

        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Numa, "--policy", tight);
        var (jsonExit, json, _) = WhatifTestFiles.Run("whatif", Numa, "--policy", tight, "--format", "json");

        Assert.True(exit == 0, err);
        Assert.Equal(0, jsonExit);
        string status = stdout.Split('\n').Single(l => l.StartsWith("│ status", StringComparison.Ordinal));
        Assert.Contains("optimal", status);
        Assert.Contains("infeasible", status);
        Assert.Contains(stdout.Split('\n'), l => l.StartsWith("│ reason", StringComparison.Ordinal));
        Assert.Contains("tight: infeasible: ", stdout);
        using var doc = JsonDocument.Parse(json);
        var error = Scenario(doc, "tight").GetProperty("error");
        Assert.Equal("infeasible", error.GetProperty("code").GetString());
        Assert.Contains("bus numbers", error.GetProperty("message").GetString());
    }

    [Fact]
    public void Whatif_EveryPolicyInfeasible_ExitsWithTheInfeasibleCodeAndStillShowsTheTable()
    {
        string tight = _files.Write("tight.json",
            """{"name": "optimize", "tunables": {"hotplugReserve": {"value": 8}, "budgets": {"busNumbers": 3}}}""");

        var (exit, stdout, _) = WhatifTestFiles.Run("whatif", Numa, "--policy", tight, "--no-baseline");

        Assert.Equal(3, exit);
        Assert.Contains("infeasible", stdout);
    }

    [Fact]
    public void Whatif_Prior_ReportsDevicesMoved()
    {
        string plan = _files.PathOf("plan.json");
        Assert.Equal(0, WhatifTestFiles.Run("plan", Small, "-o", plan).Exit);
        string r0 = _files.ReservePolicy("reserve0.json", 0);

        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Small, "--prior", plan, "--policy", r0, "--format", "json");

        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.All(doc.RootElement.GetProperty("scenarios").EnumerateArray(), s => Assert.Equal(0, s.GetProperty("moved").GetInt32()));
    }

    [Fact]
    public void Whatif_DocsExample_PolicyFilesGiveTheDocumentedFigures()
    {
        string[] policies = ["libvirt.json", "reserve-8.json", "spares-on-nic-nodes.yaml", "reserve-8-in-12-buses.json"];
        string[] args = ["whatif", Numa, .. policies.SelectMany(p => new[] { "--policy", WhatifTestFiles.Repo("fixtures/policies/" + p) }), "--format", "json"];

        var (exit, stdout, err) = WhatifTestFiles.Run(args);

        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(4, Scenario(doc, "libvirt").GetProperty("numaMisses").GetInt32());
        Assert.Equal(0, Scenario(doc, "request").GetProperty("numaMisses").GetInt32());
        Assert.Equal(8, Scenario(doc, "reserve-8").GetProperty("spareRootPorts").GetInt32());
        var perNode = Scenario(doc, "spares-on-nic-nodes").GetProperty("sparePerNode");
        Assert.Equal([0, 2, 0, 2], Enumerable.Range(0, 4).Select(n => perNode.GetProperty(n.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetInt32()));
        var error = Scenario(doc, "reserve-8-in-12-buses").GetProperty("error");
        Assert.Equal("infeasible", error.GetProperty("code").GetString());
        Assert.Contains("at most 12 PCI bus numbers", error.GetProperty("message").GetString());
    }

    [Fact]
    public void Whatif_Text_NoTrailingSpaces()
    {
        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Small, "--sweep", "hotplugReserve=0..1");

        Assert.True(exit == 0, err);
        Assert.All(stdout.Split('\n'), l => Assert.False(l.EndsWith(' '), $"'{l}'"));
    }
}
