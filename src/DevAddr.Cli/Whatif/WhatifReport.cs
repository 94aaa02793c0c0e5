using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;

namespace DevAddr.Cli.Whatif;

/// <summary>
/// Renders a comparison as a terminal table, CSV or JSON. CSV and JSON carry no measured times unless asked
/// (<see cref="Timings"/>), so the same command gives the same bytes.
/// </summary>
internal sealed class WhatifReport
{
    private readonly IReadOnlyList<MetricRow> _rows;

    public WhatifReport(string requestPath, IReadOnlyList<WhatifOutcome> outcomes, SweepSpec? sweep, bool timings)
    {
        RequestPath = requestPath;
        Outcomes = outcomes;
        Sweep = sweep;
        Timings = timings;
        _rows = Rows(outcomes);
        // Side by side, every column is compared with the first: which devices another policy places elsewhere.
        var first = sweep is null && outcomes.Count > 1 ? outcomes[0].Plan : null;
        _changes = outcomes.Select(o => first is not null && o.Plan is not null && o != outcomes[0] ? PlanChanges.Between(first, o.Plan) : null).ToList();
    }

    /// <summary>Per outcome, its changes from the first column (null for the first, a sweep, or a column without a plan).</summary>
    private readonly IReadOnlyList<IReadOnlyList<string>?> _changes;

    private IEnumerable<(WhatifOutcome Outcome, IReadOnlyList<string> Changes)> Changes =>
        Outcomes.Zip(_changes).Where(p => p.Second is not null).Select(p => (p.First, p.Second!));

    public string RequestPath { get; }
    public IReadOnlyList<WhatifOutcome> Outcomes { get; }
    public SweepSpec? Sweep { get; }
    public bool Timings { get; }

    /// <summary>One figure of a plan: its key (CSV column, JSON member), its label (long and short) and how to read it.</summary>
    private sealed record MetricRow(string Key, string Label, string Short, Func<PlanMetrics, long?> Value, bool Bytes = false);

    private static List<MetricRow> Rows(IReadOnlyList<WhatifOutcome> outcomes)
    {
        var nodes = outcomes.Where(o => o.Metrics is not null).SelectMany(o => o.Metrics!.SpareByNode.Keys).Distinct().Order().ToList();
        var rows = new List<MetricRow>
        {
            new("controllersAdded", "PCI controllers added", "added", m => m.ControllersAdded),
            new("rootPorts", "root ports", "root ports", m => m.RootPorts),
            new("sparePlaces", "spare hot-pluggable places", "spare", m => m.SparePlaces),
            new("spareRootPorts", "spare root ports", "spare ports", m => m.SpareRootPorts),
        };
        foreach (int n in nodes)
            rows.Add(new($"spareNode{n}", $"  spare on NUMA node {n}", $"spare n{n}", m => m.SpareByNode.TryGetValue(n, out int c) ? c : 0));
        rows.Add(new("busNumbers", "bus numbers used", "bus nrs", m => m.BusNumbers));
        rows.Add(new("ioWindows", "I/O windows (4 KiB each)", "I/O win", m => m.IoWindows));
        rows.Add(new("mmio32Bytes", "MMIO, 32-bit BARs", "MMIO32", m => m.Mmio32Bytes, Bytes: true));
        rows.Add(new("mmio64Bytes", "MMIO, 64-bit BARs", "MMIO64", m => m.Mmio64Bytes, Bytes: true));
        if (outcomes.Any(o => o.Metrics?.ReservedBytes > 0))
            rows.Add(new("reservedBytes", "MMIO reserved by root ports", "reserved", m => m.ReservedBytes, Bytes: true));
        if (outcomes.Any(o => o.Metrics?.P2pPairs is not null))
        {
            rows.Add(new("expanderBuses", "expander buses", "expanders", m => m.ExpanderBuses));
            rows.Add(new("p2pPairs", "p2p pairs (host switch or group)", "p2p pairs", m => m.P2pPairs));
            rows.Add(new("p2pPairsKept", "  under one guest switch", "p2p kept", m => m.P2pPairsKept));
            rows.Add(new("mmio64WindowBytes", "64-bit windows (firmware-sized)", "win64", m => m.Mmio64WindowBytes, Bytes: true));
            rows.Add(new("pciHole64Bytes", "64-bit PCI hole", "hole64", m => m.PciHole64Bytes, Bytes: true));
        }
        rows.Add(new("numaMisses", "NUMA locality misses", "NUMA miss", m => m.NumaMisses));
        if (outcomes.Any(o => o.Scenario.Request.Prior is not null))
            rows.Add(new("moved", "devices moved (prior layout)", "moved", m => m.Moved));
        rows.Add(new("objective", "objective", "objective", m => m.Objective));
        return rows;
    }

    // ---- terminal table ----------------------------------------------------------------------------------

    /// <summary>The table: policies side by side as columns, or a sweep with one row per value.</summary>
    public string ToText(bool ansi, int width)
    {
        var sw = new StringWriter { NewLine = "\n" };
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(sw),
            Ansi = ansi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = ansi ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = width;
        console.Write(Sweep is null ? PolicyTable() : SweepTable());
        foreach (var (o, changes) in Changes.Where(c => c.Changes.Count > 0))
        {
            console.WriteLine(Markup.Escape($"{o.Scenario.Name} against {Outcomes[0].Scenario.Name}:"), new Style());
            foreach (string line in changes) console.WriteLine("  " + line, new Style());
        }
        console.WriteLine("* solve time: wall time measured on this run, not deterministic (in --format csv/json only with --timings).");
        foreach (var o in Outcomes.Where(o => o.Error is not null))
            console.WriteLine($"{o.Scenario.Name}: {o.Error!.Code}: {o.Error.Message}");
        // Spectre pads centred titles and full-width lines with spaces; drop them.
        return string.Join('\n', sw.ToString().Split('\n').Select(l => l.TrimEnd(' ')));
    }

    private Table PolicyTable()
    {
        var table = new Table().Title(Markup.Escape($"What-if: {RequestPath}"));
        table.AddColumn("");
        foreach (var o in Outcomes)
            table.AddColumn(new TableColumn(Markup.Escape(o.Scenario.Name)).RightAligned());
        table.AddRow(["policy", .. Outcomes.Select(o => Markup.Escape(o.Scenario.Request.Policy.Name))]);
        table.AddRow(["version", .. Outcomes.Select(o => Markup.Escape(VersionOf(o)))]);
        foreach (var row in _rows)
            table.AddRow([Markup.Escape(row.Label), .. Outcomes.Select(o => Cell(o, row))]);
        if (Changes.Any())
            table.AddRow([Markup.Escape($"devices placed otherwise than in '{Outcomes[0].Scenario.Name}'"),
                .. Outcomes.Zip(_changes).Select(p => p.Second is null ? "" : Inv(p.Second.Count))]);
        table.AddRow(["status", .. Outcomes.Select(StatusCell)]);
        if (Outcomes.Any(o => o.Error is not null))
            table.AddRow(["reason", .. Outcomes.Select(o => o.Error is null ? "" : Markup.Escape(Short(o.Error.Message, 48)))]);
        table.AddRow(["solve time (ms) *", .. Outcomes.Select(o => Ms(o.SolveTime))]);
        return table;
    }

    private Table SweepTable()
    {
        var table = new Table().Title(Markup.Escape($"What-if: {RequestPath}, sweep {Sweep!.Tunable} {Sweep.From}..{Sweep.To}" + (Sweep.Step == 1 ? "" : $":{Sweep.Step}")));
        table.AddColumn(new TableColumn(Markup.Escape(Sweep.Tunable)).RightAligned());
        foreach (var row in _rows) table.AddColumn(new TableColumn(Markup.Escape(row.Short)).RightAligned());
        table.AddColumn("status");
        table.AddColumn(new TableColumn("time ms *").RightAligned());
        foreach (var o in Outcomes)
        {
            string status = StatusCell(o);
            if (o.Error is not null) status += ": " + Markup.Escape(Short(o.Error.Message, 40));
            table.AddRow([Inv(o.Scenario.Value), .. _rows.Select(r => Cell(o, r)), status, Ms(o.SolveTime)]);
        }
        return table;
    }

    /// <summary>The policy version a scenario used (the optimize policy's with the libvirt release it followed).</summary>
    private static string VersionOf(WhatifOutcome o) =>
        o.Plan is { } p ? (p.LibvirtVersion is null ? p.PolicyVersion ?? "" : $"{p.PolicyVersion} (libvirt {p.LibvirtVersion})") : "";

    private static string Cell(WhatifOutcome o, MetricRow row) =>
        o.Metrics is null ? "-" : row.Value(o.Metrics) is long v ? (row.Bytes ? Size(v) : Inv(v)) : "-";

    private static string StatusCell(WhatifOutcome o) =>
        o.Error is not null ? $"[red]{Markup.Escape(o.Error.Code)}[/]"
        : o.Metrics!.Status == "feasible" ? "[yellow]feasible[/]"
        : $"[green]{Markup.Escape(o.Metrics.Status)}[/]";

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Inv(long? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "";

    /// <summary>The gist of an error message for a table cell: what follows a leading "...: " (the conflicting requirements), first sentence, cut to <paramref name="max"/>.</summary>
    private static string Short(string message, int max)
    {
        int colon = message.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && colon < 64 && colon + 2 < message.Length) message = message[(colon + 2)..];
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        string first = dot > 0 ? message[..dot] : message.TrimEnd('.');
        return first.Length <= max ? first : first[..(max - 1)] + "…";
    }

    /// <summary>Bytes as B, KiB, MiB or GiB (one decimal where it is not whole).</summary>
    internal static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.Length - 1)
        {
            v /= 1024;
            u++;
        }
        return v.ToString(v == Math.Floor(v) ? "0" : "0.0", CultureInfo.InvariantCulture) + " " + units[u];
    }

    // ---- CSV -----------------------------------------------------------------------------------------------

    /// <summary>RFC 4180 CSV, one line per scenario, <c>\n</c> line ends; bytes and counts as plain integers.</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder();
        var header = new List<string> { "name", "policy", "value", "status", "errorCode", "errorMessage" };
        header.AddRange(_rows.Select(r => r.Key));
        bool changes = Changes.Any();
        if (changes) header.Add("changedFromFirst");
        if (Timings) header.Add("solveMs");
        sb.AppendJoin(',', header.Select(Csv)).Append('\n');
        foreach (var o in Outcomes)
        {
            var cells = new List<string>
            {
                o.Scenario.Name, o.Scenario.Request.Policy.Name, Inv(o.Scenario.Value),
                o.Error?.Code ?? o.Metrics!.Status, o.Error?.Code ?? "", o.Error?.Message ?? "",
            };
            cells.AddRange(_rows.Select(r => o.Metrics is null ? "" : Inv(r.Value(o.Metrics))));
            if (changes) cells.Add(_changes[Outcomes.ToList().IndexOf(o)] is { } c ? Inv(c.Count) : "");
            if (Timings) cells.Add(Ms(o.SolveTime));
            sb.AppendJoin(',', cells.Select(Csv)).Append('\n');
        }
        return sb.ToString();
    }

    private static string Csv(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    // ---- JSON ----------------------------------------------------------------------------------------------

    /// <summary>Indented JSON: <c>{request, sweep?, scenarios: [{name, policy, value?, status, error? | metrics..., solveMs?}]}</c>.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("request", RequestPath);
            if (Sweep is not null)
            {
                w.WriteStartObject("sweep");
                w.WriteString("tunable", Sweep.Tunable);
                w.WriteNumber("from", Sweep.From);
                w.WriteNumber("to", Sweep.To);
                w.WriteNumber("step", Sweep.Step);
                w.WriteEndObject();
            }
            w.WriteStartArray("scenarios");
            foreach (var o in Outcomes) WriteScenario(w, o);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private void WriteScenario(Utf8JsonWriter w, WhatifOutcome o)
    {
        w.WriteStartObject();
        w.WriteString("name", o.Scenario.Name);
        w.WriteString("policy", o.Scenario.Request.Policy.Name);
        if (o.Scenario.Value is long value) w.WriteNumber("value", value);
        if (o.Error is { } e)
        {
            w.WriteString("status", e.Code);
            w.WriteStartObject("error");
            w.WriteString("code", e.Code);
            w.WriteString("message", e.Message);
            if (e.DeviceId is not null) w.WriteString("deviceId", e.DeviceId);
            if (e.Rule is not null) w.WriteString("rule", e.Rule);
            w.WriteEndObject();
        }
        else
        {
            var m = o.Metrics!;
            w.WriteString("status", m.Status);
            foreach (var row in _rows.Where(r => !r.Key.StartsWith("spareNode", StringComparison.Ordinal)))
            {
                if (row.Value(m) is long v) w.WriteNumber(row.Key, v);
                else w.WriteNull(row.Key);
                if (row.Key == "spareRootPorts" && m.SpareByNode.Count > 0)
                {
                    w.WriteStartObject("sparePerNode");
                    foreach (var (node, count) in m.SpareByNode) w.WriteNumber(node.ToString(CultureInfo.InvariantCulture), count);
                    w.WriteEndObject();
                }
            }
        }
        if (_changes[Outcomes.ToList().IndexOf(o)] is { } changes)
        {
            w.WriteStartArray("changesFromFirst");
            foreach (string line in changes) w.WriteStringValue(line);
            w.WriteEndArray();
        }
        if (Timings) w.WriteNumber("solveMs", Math.Round(o.SolveTime.TotalMilliseconds, 1));
        w.WriteEndObject();
    }
}
