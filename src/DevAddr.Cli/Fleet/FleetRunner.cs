using System.Diagnostics;
using System.Threading.Channels;
using DevAddr.Core.Model;
using DevAddr.Core.Serialization;
using DevAddr.Solver;

namespace DevAddr.Cli.Fleet;

/// <summary>Settings of a fleet run.</summary>
internal sealed record FleetOptions
{
    /// <summary>The input JSON Lines file, or "-" for standard input.</summary>
    public required string Input { get; init; }
    /// <summary>The output JSON Lines file (appended to: guests already in it are skipped).</summary>
    public required string Output { get; init; }
    /// <summary>The share of the input to plan.</summary>
    public FleetShard Shard { get; init; } = FleetShard.All;
    /// <summary>Planning threads.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Guests in flight at most (read but not yet written); 0: 64 per thread.</summary>
    public int Window { get; init; }
    /// <summary>Bytes of planned shapes the cache may hold (0: no cache).</summary>
    public long CacheBytes { get; init; } = 256L << 20;
    /// <summary>Longest accepted input line, in bytes.</summary>
    public int MaxLineBytes { get; init; } = PlanJson.MaxInputChars;
    /// <summary>The planner (default: <see cref="OptimizingPlanner.Plan"/> — every policy, the shipped catalog — as <c>devaddr plan</c>).</summary>
    public Func<PlanRequest, PlanResult> Planner { get; init; } = static r => OptimizingPlanner.Plan(r);
    /// <summary>Called by the writer after each line with the input offset reached (for a progress bar).</summary>
    public Action<long, FleetSummary>? Progress { get; init; }
}

/// <summary>How a fleet run ended.</summary>
/// <param name="Summary">What was done.</param>
/// <param name="InternalErrors">Guests whose planning threw (a planner bug; the line holds an <c>internal-error</c>).</param>
/// <param name="Fatal">A message when the run could not start or went wrong as a whole (then nothing more was written).</param>
/// <param name="CacheBytes">Bytes the shape cache held at the end.</param>
internal sealed record FleetRunResult(FleetSummary Summary, long InternalErrors, string? Fatal, long CacheBytes = 0);

/// <summary>
/// Plans a fleet: streams the input, plans guests on several threads, writes the results in input order.
/// Pipeline: one reader (lines → envelopes; shard, resume and duplicate filtering) → N planners (parse the request,
/// canonical hash, cache, plan) → one writer (awaits the results in input order, writes each line whole). At most
/// <see cref="FleetOptions.Window"/> guests are between reader and writer, so memory does not grow with the fleet
/// (beyond 16 bytes per id for resume and duplicate detection, and the bounded cache).
/// </summary>
internal static class FleetRunner
{
    /// <summary>Error code of a guest whose planning threw: a bug in the planner, reported and counted.</summary>
    public const string InternalErrorCode = "internal-error";

    private const int MaxRejectMessages = 20;

    public static async Task<FleetRunResult> RunAsync(FleetOptions options, TextWriter error, CancellationToken cancel)
    {
        var summary = new FleetSummary();
        Stream input;
        try
        {
            input = options.Input == "-" ? Console.OpenStandardInput()
                : new FileStream(options.Input, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new FleetRunResult(summary, 0, $"cannot read '{options.Input}': {ex.Message}");
        }
        using var _ = input;
        FleetOutput? output;
        try
        {
            output = FleetOutput.Open(options.Output, Math.Max(options.MaxLineBytes, 256 << 20), out string openError);
            if (output is null) return new FleetRunResult(summary, 0, openError);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new FleetRunResult(summary, 0, $"cannot open '{options.Output}': {ex.Message}");
        }
        using var __ = output;
        if (output.TruncatedBytes > 0)
            error.WriteLine($"devaddr: {options.Output}: cut off a partial last line ({output.TruncatedBytes} bytes) left by an interrupted run");

        int threads = Math.Max(1, options.Threads);
        int window = options.Window > 0 ? options.Window : 64 * threads;
        var ordered = Channel.CreateBounded<FleetItem>(new BoundedChannelOptions(window) { SingleReader = true, SingleWriter = true });
        var work = Channel.CreateUnbounded<FleetItem>(new UnboundedChannelOptions { SingleWriter = true });
        var cache = new PlanCache(options.CacheBytes);
        long internalErrors = 0;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var token = cts.Token;

        async Task Guard(Func<Task> body)
        {
            try
            {
                await body().ConfigureAwait(false);
            }
            catch
            {
                cts.Cancel();
                throw;
            }
        }

        var reader = Task.Run(() => Guard(() => ReadAsync(options, input, output.Done, ordered.Writer, work.Writer, summary, error, token)), token);
        var planners = Enumerable.Range(0, threads)
            .Select(_ => Task.Run(() => Guard(() => PlanAsync(options, cache, work.Reader, () => Interlocked.Increment(ref internalErrors), token)), token))
            .ToArray();
        var writer = Task.Run(() => Guard(() => WriteAsync(options, ordered.Reader, output, summary, token)), token);
        try
        {
            await Task.WhenAll([reader, .. planners, writer]).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception) when (!cancel.IsCancellationRequested)
        {
            // The first real failure (not a cancellation it caused elsewhere) tells what went wrong.
            var first = new[] { reader, writer }.Concat(planners)
                .Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!)
                .FirstOrDefault(e => e is not OperationCanceledException);
            if (first is IOException or UnauthorizedAccessException)
                return new FleetRunResult(summary, internalErrors, $"I/O error: {first.Message}");
            throw;
        }
        output.Sync();
        return new FleetRunResult(summary, internalErrors, null, cache.Bytes);
    }

    private static async Task ReadAsync(FleetOptions options, Stream input, HashSet<UInt128> done,
        ChannelWriter<FleetItem> ordered, ChannelWriter<FleetItem> work, FleetSummary summary, TextWriter error, CancellationToken token)
    {
        Exception? failure = null;
        try
        {
            var lines = new JsonLineReader(input, options.MaxLineBytes);
            var seen = new HashSet<UInt128>();
            long rejected = 0, resumed = 0, otherShards = 0;
            while (lines.TryReadLine(out var line))
            {
                token.ThrowIfCancellationRequested();
                if (line is not null && IsBlank(line)) continue;
                // The shard and resume filters see only the id (read cheaply); other lines are parsed in full.
                string? peeked = line is null ? null : FleetLine.PeekId(line);
                if (!string.IsNullOrWhiteSpace(peeked))
                {
                    var peekedHash = FleetIdHash.Of(peeked);
                    if (!options.Shard.Contains(peekedHash))
                    {
                        otherShards++;
                        continue;
                    }
                    if (done.Contains(peekedHash.Key))
                    {
                        resumed++;
                        continue;
                    }
                }
                string reject;
                if (line is null)
                {
                    reject = $"the line is longer than {options.MaxLineBytes} bytes";
                }
                else if (!FleetLine.TryParseInput(line, out string id, out string? requestJson, out PlanError? envelopeError, out reject))
                {
                    // reject says why
                }
                else if (!seen.Add(FleetIdHash.Of(id).Key))
                {
                    reject = $"duplicate id '{id}' (an earlier line has it)";
                }
                else
                {
                    var item = new FleetItem(id, requestJson, envelopeError, lines.Offset);
                    await ordered.WriteAsync(item, token).ConfigureAwait(false);
                    await work.WriteAsync(item, token).ConfigureAwait(false);
                    continue;
                }
                rejected++;
                if (rejected <= MaxRejectMessages)
                    error.WriteLine($"devaddr: {options.Input}:{lines.LineNumber}: {reject}; line skipped");
            }
            if (rejected > MaxRejectMessages)
                error.WriteLine($"devaddr: {options.Input}: {rejected - MaxRejectMessages} more line(s) rejected");
            summary.Rejected = rejected;
            summary.Resumed = resumed;
            summary.OtherShards = otherShards;
        }
        catch (Exception ex)
        {
            failure = ex;
            throw;
        }
        finally
        {
            ordered.TryComplete(failure);
            work.TryComplete(failure);
        }
    }

    private static bool IsBlank(byte[] line)
    {
        foreach (byte b in line)
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        return true;
    }

    private static async Task PlanAsync(FleetOptions options, PlanCache cache, ChannelReader<FleetItem> work, Action onInternalError, CancellationToken token)
    {
        await foreach (var item in work.ReadAllAsync(token).ConfigureAwait(false))
        {
            var (shape, source) = await ComputeAsync(options, cache, item, onInternalError).ConfigureAwait(false);
            item.Complete(new FleetResult(FleetLine.Output(item.Id, shape.Ok, shape.Body), shape, source));
        }
    }

    private static async ValueTask<(PlannedShape, ResultSource)> ComputeAsync(FleetOptions options, PlanCache cache, FleetItem item, Action onInternalError)
    {
        if (item.EnvelopeError is not null) return (Unplanned(item.EnvelopeError), ResultSource.InputError);
        var (request, readError) = PlanJson.ReadRequest(item.RequestJson!, yaml: false);
        if (readError is not null) return (Unplanned(readError), ResultSource.InputError);
        var (shape, hit) = await cache.GetOrPlanAsync(PlanCache.KeyOf(request!), () => PlanShape(options.Planner, request!)).ConfigureAwait(false);
        if (!hit && shape.ErrorCode == InternalErrorCode) onInternalError();
        return (shape, hit ? ResultSource.Cache : ResultSource.Planned);
    }

    /// <summary>Plans one request into a shape; never throws (a planner exception becomes an <c>internal-error</c>).</summary>
    internal static PlannedShape PlanShape(Func<PlanRequest, PlanResult> planner, PlanRequest request)
    {
        long start = Stopwatch.GetTimestamp();
        PlanResult result;
        try
        {
            result = planner(request);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var e = new PlanError { Code = InternalErrorCode, Message = $"the planner failed: {ex.GetType().Name}: {ex.Message}" };
            return new PlannedShape(false, FleetLine.Body(e), e.Code, 0, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return result switch
        {
            PlanResult.Success s => new PlannedShape(true, FleetLine.Body(s.Plan), null,
                s.Plan.Devices.Count(d => d.Added && d.Kind == "controller"), ms),
            PlanResult.Failure f => new PlannedShape(false, FleetLine.Body(f.Error), f.Error.Code, 0, ms),
            _ => throw new InvalidOperationException("unexpected plan result"),
        };
    }

    private static PlannedShape Unplanned(PlanError e) => new(false, FleetLine.Body(e), e.Code, 0, 0);

    private static async Task WriteAsync(FleetOptions options, ChannelReader<FleetItem> ordered, FleetOutput output, FleetSummary summary, CancellationToken token)
    {
        await foreach (var item in ordered.ReadAllAsync(token).ConfigureAwait(false))
        {
            var r = await item.Result.WaitAsync(token).ConfigureAwait(false);
            output.WriteLine(r.Line);
            summary.Record(r.Shape, r.Source);
            options.Progress?.Invoke(item.InputOffset, summary);
        }
    }

    private sealed class FleetItem(string id, string? requestJson, PlanError? envelopeError, long inputOffset)
    {
        private readonly TaskCompletionSource<FleetResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Id { get; } = id;
        public string? RequestJson { get; } = requestJson;
        public PlanError? EnvelopeError { get; } = envelopeError;
        public long InputOffset { get; } = inputOffset;
        public Task<FleetResult> Result => _result.Task;

        public void Complete(FleetResult result) => _result.SetResult(result);
    }

    private sealed record FleetResult(byte[] Line, PlannedShape Shape, ResultSource Source);
}

/// <summary>Where a result line came from.</summary>
internal enum ResultSource
{
    /// <summary>The shape was planned by this guest.</summary>
    Planned,
    /// <summary>The shape came from the cache.</summary>
    Cache,
    /// <summary>The line or request was malformed; nothing was planned.</summary>
    InputError,
}
