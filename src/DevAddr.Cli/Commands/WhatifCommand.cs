using System.CommandLine;
using DevAddr.Cli.Whatif;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;

namespace DevAddr.Cli.Commands;

/// <summary>
/// <c>devaddr whatif REQUEST [--policy P.json ...] [--sweep TUNABLE=FROM..TO[:STEP]]</c>: plans one request under several
/// policies (or one tunable swept over a range) and compares the plans side by side.
/// </summary>
internal sealed class WhatifCommand : Command
{
    private readonly Argument<string> Request = new("REQUEST")
    {
        Description = "Planning request (JSON or YAML; '-' reads standard input). Its own policy is the first column unless --no-baseline.",
    };

    private readonly Option<string[]> Policies = new("--policy")
    {
        Description = "A policy to compare (JSON or YAML: {name, tunables, solver}, as the request's 'policy'); repeat for more columns.",
    };

    private readonly Option<string[]> Libvirt = new("--libvirt")
    {
        Description = "A libvirt release (9.0, 11.3) to plan the request under, as a column of its own; repeat to compare releases "
                      + "(e.g. --libvirt 9.0 --libvirt 11.3: what an upgrade changes). With these the request's own policy is no column.",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<bool> NoBaseline = new("--no-baseline")
    {
        Description = "Leave out the request's own policy (with --policy).",
    };

    private readonly Option<string?> Sweep = new("--sweep")
    {
        Description = "Sweep one tunable: TUNABLE=FROM..TO[:STEP], planned with the optimize policy and the request's other tunables. "
            + "TUNABLE: hotplugReserve, hotplugReservePerNode.N, compactnessWeight, budgets.busNumbers, budgets.ioBytes, budgets.mmio32Bytes, budgets.mmio64Bytes, sparePortReserve.bus, sparePortReserve.io, sparePortReserve.mem, sparePortReserve.pref64.",
    };

    private readonly Option<string?> Mirror = new("--mirror")
    {
        Description = "Compare mirror modes of a request with a host topology: a comma list of numa, root-complex, switch (one column each, the request's other tunables kept).",
    };

    private readonly Option<string> Format = new("--format")
    {
        Description = "Output format: text (a table), csv or json.",
        DefaultValueFactory = _ => "text",
    };

    private readonly Option<string?> Output = new("--output", "-o")
    {
        Description = "Write the comparison to this file (written whole or not at all). Default: standard output.",
    };

    private readonly Option<string?> PlotFile = new("--plot")
    {
        Description = "With --sweep: draw the sweep into this PNG file (controllers added, spare places, bus numbers, objective).",
    };

    private readonly Option<bool> Timings = new("--timings")
    {
        Description = "Put the measured solve times into csv/json output too (they differ from run to run).",
    };

    private readonly Option<string?> Prior = new("--prior")
    {
        Description = "The guest's current layout (a plan written by 'devaddr plan'): every column keeps its addresses and reports devices moved.",
    };

    private readonly Option<bool> AllowMoves = new("--allow-moves")
    {
        Description = "With --prior: existing devices may move under the optimize policy, at the prior layout's move weight.",
    };

    private readonly Option<int> Jobs = new("--jobs", "-j")
    {
        Description = "Columns planned at once (default 0: one per processor; 1: one at a time, for solve times undisturbed by one another). The plans are the same for any value.",
        DefaultValueFactory = _ => 0,
    };

    public WhatifCommand() : base("whatif", "Compare plans of one request under several policies or along a swept tunable: controllers, spare hotplug places, bus numbers, I/O and MMIO, NUMA misses, moves, objective, time.")
    {
        Format.AcceptOnlyFromAmong("text", "csv", "json");
        Arguments.Add(Request);
        Options.Add(Policies);
        Options.Add(Libvirt);
        Options.Add(NoBaseline);
        Options.Add(Sweep);
        Options.Add(Mirror);
        Options.Add(Format);
        Options.Add(Output);
        Options.Add(PlotFile);
        Options.Add(Timings);
        Options.Add(Prior);
        Options.Add(AllowMoves);
        Options.Add(Jobs);
        SetAction(Execute);
    }

    private int Execute(ParseResult parseResult)
    {
        var cfg = parseResult.InvocationConfiguration;
        var error = cfg.Error;
        string requestPath = parseResult.GetValue(Request)!;
        string[] policyPaths = parseResult.GetValue(Policies) ?? [];
        string[] releases = parseResult.GetValue(Libvirt) ?? [];
        bool noBaseline = parseResult.GetValue(NoBaseline);
        string format = parseResult.GetValue(Format)!;
        string? output = parseResult.GetValue(Output);
        string? plot = parseResult.GetValue(PlotFile);

        // Every argument is checked before anything is planned or written.
        SweepSpec? sweep = null;
        if (parseResult.GetValue(Sweep) is string sweepText && !SweepSpec.TryParse(sweepText, out sweep, out string sweepError))
            return Usage(error, sweepError);
        if (sweep is not null && policyPaths.Length + releases.Length > 0)
            return Usage(error, "--sweep cannot be combined with --policy or --libvirt: a sweep compares the values of one tunable");
        foreach (string release in releases)
        {
            if (Core.Catalog.DeviceCatalog.Default.FindLibvirt(release) is null)
                return Usage(error, $"--libvirt '{release}': not a libvirt release DevAddr reproduces (allowed: {string.Join(", ", Core.Catalog.DeviceCatalog.Default.LibvirtVersions.Select(v => v.Version))})");
        }
        string[] mirrorModes = parseResult.GetValue(Mirror)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (mirrorModes.FirstOrDefault(m => m is not ("numa" or "root-complex" or "switch")) is string badMode)
            return Usage(error, $"--mirror: '{badMode}' is not one of numa, root-complex, switch");
        if (mirrorModes.Length > 0 && sweep is not null)
            return Usage(error, "--mirror and --sweep cannot be combined");
        if (sweep is null && noBaseline && policyPaths.Length == 0 && mirrorModes.Length == 0)
            return Usage(error, "--no-baseline leaves nothing to compare: give --policy files");
        if (plot is not null && sweep is null)
            return Usage(error, "--plot draws a sweep: give --sweep too");
        if (plot is not null && !plot.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            return Usage(error, $"--plot '{plot}': the file name must end in .png");
        if (plot is not null && output is not null && Path.GetFullPath(plot) == Path.GetFullPath(output))
            return Usage(error, "--plot and --output name the same file");

        string? text = CliIo.ReadInput(requestPath, error);
        if (text is null) return ExitCodes.InvalidInput;
        var (request, readError) = PlanJson.ReadRequest(text, CliIo.IsYamlPath(requestPath));
        if (readError is not null) return CliIo.ReportError(readError, json: false, error);
        (request, readError) = CliIo.ResolveHostTopology(request!, requestPath);
        if (readError is not null) return CliIo.ReportError(readError, json: false, error);
        if (parseResult.GetValue(Prior) is string priorPath)
        {
            string? priorText = CliIo.ReadInput(priorPath, error);
            if (priorText is null) return ExitCodes.InvalidInput;
            var (prior, priorError) = PlanJson.ReadPlan(priorText, CliIo.IsYamlPath(priorPath));
            if (priorError is not null) return CliIo.ReportError(priorError with { Message = "prior layout: " + priorError.Message }, json: false, error);
            request = request! with { Prior = new PriorLayout { Devices = prior!.Devices, AllowMoves = parseResult.GetValue(AllowMoves) } };
        }
        if (sweep?.Node is int node && (node >= request!.NumaNodes))
            return Usage(error, $"--sweep {sweep.Tunable}: the request has {request.NumaNodes} NUMA node(s), numbered from 0");

        var scenarios = new List<WhatifScenario>();
        if (sweep is not null)
        {
            foreach (long v in sweep.Values())
                scenarios.Add(new WhatifScenario(sweep.Label(v), request! with { Policy = sweep.Apply(request.Policy, v) }, v));
        }
        else
        {
            if (!noBaseline && releases.Length == 0) scenarios.Add(new WhatifScenario("request", request!));
            foreach (string release in releases.Distinct(StringComparer.Ordinal))
            {
                var own = request!.Policy;
                var pinned = own.Name == PolicySpec.Libvirt ? own with { Version = release } : own with { LibvirtVersion = release };
                scenarios.Add(new WhatifScenario("libvirt-" + release, request with { Policy = pinned }));
            }
            var names = new HashSet<string>(scenarios.Select(s => s.Name), StringComparer.Ordinal);
            foreach (string path in policyPaths)
            {
                string? policyText = CliIo.ReadInput(path, error);
                if (policyText is null) return ExitCodes.InvalidInput;
                var (policy, policyError) = PlanJson.ReadPolicy(policyText, CliIo.IsYamlPath(path));
                if (policyError is not null) return CliIo.ReportError(policyError with { Message = $"policy '{path}': " + policyError.Message }, json: false, error);
                string name = Path.GetFileNameWithoutExtension(path);
                for (int i = 2; !names.Add(name); i++) name = $"{Path.GetFileNameWithoutExtension(path)}#{i}";
                scenarios.Add(new WhatifScenario(name, request! with { Policy = policy! }));
            }
            foreach (string mode in mirrorModes.Distinct(StringComparer.Ordinal))
            {
                var tunables = (request!.Policy.Tunables ?? new Tunables()) with
                {
                    Mirror = (request.Policy.Tunables?.Mirror ?? new Tunable<string> { Value = mode }) with { Value = mode },
                };
                scenarios.Add(new WhatifScenario("mirror=" + mode, request with { Policy = request.Policy with { Name = PolicySpec.Optimize, Tunables = tunables } }));
            }
        }

        int jobs = parseResult.GetValue(Jobs);
        if (!CliIo.JobsOk(jobs, error)) return ExitCodes.Usage;
        var outcomes = WhatifRunner.Run(scenarios, jobs: jobs);
        var report = new WhatifReport(requestPath, outcomes, sweep, parseResult.GetValue(Timings));
        bool terminal = output is null or "-" && ReferenceEquals(cfg.Output, Console.Out) && !Console.IsOutputRedirected;
        string rendered = format switch
        {
            "csv" => report.ToCsv(),
            "json" => report.ToJson(),
            _ => report.ToText(ansi: terminal, width: terminal ? TerminalWidth() : 240),
        };
        byte[]? png = plot is null ? null
            : SweepPlot.Png(sweep!, outcomes, $"devaddr whatif {Path.GetFileName(requestPath)}: {sweep!.Tunable} sweep");
        if (!CliIo.WriteOutput(output, rendered, cfg.Output, error)) return ExitCodes.InternalError;
        if (png is not null && !WriteBytes(plot!, png, error)) return ExitCodes.InternalError;

        // The comparison is the result; it fails only when no scenario could be planned at all.
        var firstError = outcomes.FirstOrDefault(o => o.Error is not null)?.Error;
        return outcomes.Any(o => o.Metrics is not null) || firstError is null ? ExitCodes.Ok : CliIo.ExitCodeOf(firstError);
    }

    private static int Usage(TextWriter error, string message)
    {
        error.WriteLine("devaddr: " + message);
        return ExitCodes.Usage;
    }

    private static int TerminalWidth()
    {
        try
        {
            return Math.Max(Console.WindowWidth, 80);
        }
        catch (IOException)
        {
            return 160;
        }
    }

    /// <summary>Writes bytes atomically (temporary file + rename), as <see cref="CliIo.WriteOutput"/> does for text.</summary>
    private static bool WriteBytes(string path, byte[] bytes, TextWriter error)
    {
        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, full, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            error.WriteLine($"devaddr: cannot write '{path}': {ex.Message}");
            return false;
        }
    }
}
