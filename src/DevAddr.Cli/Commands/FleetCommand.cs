using System.CommandLine;
using System.Diagnostics;
using DevAddr.Cli.Fleet;
using Spectre.Console;

namespace DevAddr.Cli.Commands;

/// <summary><c>devaddr fleet IN.jsonl -o OUT.jsonl [--shard K/N] [--threads N]</c>: plans a fleet of guests, one per line.</summary>
internal sealed class FleetCommand : Command
{
    /// <summary>Exit code when interrupted (Ctrl+C): 128 + SIGINT, as shells report it.</summary>
    public const int Interrupted = 130;

    private readonly Argument<string> Input = new("IN")
    {
        Description = "JSON Lines, one guest per line: {\"id\": \"vm-1\", \"request\": {...a plan request...}} ('-' reads standard input).",
    };

    private readonly Option<string> Output = new("--output", "-o")
    {
        Description = "JSON Lines result file, one line per guest in input order: {\"id\", \"plan\"} or {\"id\", \"error\"}. "
            + "Appended to: guests already in it are skipped (resume); a partial last line is cut off.",
        Required = true,
    };

    private readonly Option<string?> Shard = new("--shard")
    {
        Description = "Plan only shard K of N (0 <= K < N), chosen by a stable hash of the id.",
    };

    private readonly Option<int> Threads = new("--threads")
    {
        Description = "Planning threads (default: all cores).",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    private readonly Option<int> CacheMiB = new("--cache-mib")
    {
        Description = "Memory for planned guest shapes, in MiB (0 plans every guest).",
        DefaultValueFactory = _ => 256,
    };

    private readonly Option<bool> NoProgress = new("--no-progress")
    {
        Description = "No progress bar (it is shown only when standard error is a terminal).",
    };

    public FleetCommand() : base("fleet", "Plan a fleet of guests from a JSON Lines file: streaming, on every core, identical guests planned once, resumable, shardable.")
    {
        Arguments.Add(Input);
        Options.Add(Output);
        Options.Add(Shard);
        Options.Add(Threads);
        Options.Add(CacheMiB);
        Options.Add(NoProgress);
        SetAction(async (parseResult, cancel) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var shard = FleetShard.All;
            if (parseResult.GetValue(Shard) is string s && !FleetShard.TryParse(s, out shard, out string shardError))
            {
                error.WriteLine($"devaddr: {shardError}");
                return ExitCodes.Usage;
            }
            int threads = parseResult.GetValue(Threads);
            int cacheMiB = parseResult.GetValue(CacheMiB);
            if (threads is < 1 or > 1024 || cacheMiB is < 0 or > 1 << 20)
            {
                error.WriteLine("devaddr: --threads must be 1-1024 and --cache-mib 0-1048576");
                return ExitCodes.Usage;
            }
            var options = new FleetOptions
            {
                Input = parseResult.GetValue(Input)!,
                Output = parseResult.GetValue(Output)!,
                Shard = shard,
                Threads = threads,
                CacheBytes = (long)cacheMiB << 20,
            };
            bool progress = !parseResult.GetValue(NoProgress) && ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
            return await RunAsync(options, progress, error, cancel).ConfigureAwait(false);
        });
    }

    private static async Task<int> RunAsync(FleetOptions options, bool progress, TextWriter error, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        FleetRunResult result;
        try
        {
            result = progress ? await WithProgressAsync(options, error, cancel).ConfigureAwait(false)
                : await FleetRunner.RunAsync(options, error, cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            error.WriteLine($"devaddr: interrupted; every line in {options.Output} is complete. Run the same command again to resume.");
            return Interrupted;
        }
        if (result.Fatal is not null)
        {
            error.WriteLine($"devaddr: {result.Fatal}");
            return ExitCodes.InvalidInput;
        }
        error.Write(result.Summary.Format(clock.Elapsed, options.Shard, options.Threads, result.CacheBytes));
        if (result.InternalErrors > 0)
        {
            error.WriteLine($"devaddr: the planner failed on {result.InternalErrors} guest shape(s) (code '{FleetRunner.InternalErrorCode}'): a bug, please report it");
            return ExitCodes.InternalError;
        }
        return result.Summary.Rejected > 0 ? ExitCodes.InvalidInput : ExitCodes.Ok;
    }

    private static async Task<FleetRunResult> WithProgressAsync(FleetOptions options, TextWriter error, CancellationToken cancel)
    {
        long total = options.Input == "-" ? 0 : new FileInfo(options.Input) is { Exists: true } f ? f.Length : 0;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        FleetRunResult? result = null;
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("planning", maxValue: Math.Max(total, 1));
                task.IsIndeterminate = total == 0;
                var tracked = options with
                {
                    Progress = (offset, summary) =>
                    {
                        task.Value = offset;
                        if (summary.Written % 64 == 0)
                            task.Description = $"{summary.Written} guests ({summary.CacheHits} cached, {summary.Errors} errors)";
                    },
                };
                result = await FleetRunner.RunAsync(tracked, error, cancel).ConfigureAwait(false);
                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        return result!;
    }
}
