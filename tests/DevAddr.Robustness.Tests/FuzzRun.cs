using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using CsCheck;
using DevAddr.Core.Model;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace DevAddr.Robustness.Tests;

/// <summary>
/// Runs a CsCheck property with counters (cases, plans, errors by code, invalid plans, crashes, hangs) and a
/// watchdog, and prints the figures. CI runs the short count; <c>DEVADDR_LONG_FUZZ=1</c> runs the long one.
/// </summary>
internal sealed class FuzzRun(string name, ITestOutputHelper output)
{
    /// <summary>A single case slower than this counts as a hang.</summary>
    public static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(10);

    public static bool Long => Environment.GetEnvironmentVariable("DEVADDR_LONG_FUZZ") == "1";

    /// <summary>The error codes a <see cref="PlanError"/> may carry (the constants of <see cref="ErrorCodes"/>).</summary>
    public static readonly IReadOnlySet<string> KnownCodes = typeof(ErrorCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    private string? _firstCrash;
    private long _cases, _plans, _errors, _invalid, _crashes, _hangs, _maxTicks;
    private readonly ConcurrentDictionary<string, long> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _notes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, string> _current = new();

    public long Cases => Interlocked.Read(ref _cases);

    public void Plan() => Interlocked.Increment(ref _plans);

    /// <summary>
    /// Counts a structured error. An <c>unusable-layout</c> refusal (the planner's own plan failed the validator)
    /// must be explained by a known pattern of <see cref="UnusableInputs"/> for <paramref name="request"/>; any
    /// other is a planner bug.
    /// </summary>
    public void Error(PlanError e, PlanRequest? request = null)
    {
        if (e.Code == ErrorCodes.UnusableLayout)
        {
            if (request is not null && UnusableInputs.Match(request) is { } known)
                Note("refused as unusable (known pattern): " + known.Id);
            else
                throw Invalid($"the planner refused its own plan ({e.Rule}, device {e.DeviceId}) for a request no known pattern explains: {e.Message}");
        }
        Interlocked.Increment(ref _errors);
        _codes.AddOrUpdate(e.Code + (e.Rule is null ? "" : "/" + e.Rule), 1, (_, n) => n + 1);
        if (!KnownCodes.Contains(e.Code))
            throw new XunitException($"unknown error code '{e.Code}' ({e.Rule}): {e.Message}");
        if (string.IsNullOrWhiteSpace(e.Message))
            throw new XunitException($"error {e.Code}/{e.Rule} has no message");
    }

    public void Note(string what) => _notes.AddOrUpdate(what, 1, (_, n) => n + 1);

    public XunitException Invalid(string message)
    {
        Interlocked.Increment(ref _invalid);
        return new XunitException(message);
    }

    /// <summary>Runs one case: counts it, times it, turns exceptions into counted crashes and slow cases into hangs.</summary>
    public void Case(string describe, Action body)
    {
        Interlocked.Increment(ref _cases);
        _current[Environment.CurrentManagedThreadId] = describe;
        var sw = Stopwatch.StartNew();
        try
        {
            body();
        }
        catch (XunitException)
        {
            throw;
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _crashes);
            string crash = $"crash: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}\ninput:\n{describe}";
            Interlocked.CompareExchange(ref _firstCrash, crash, null);
            throw new XunitException(crash);
        }
        finally
        {
            sw.Stop();
            long ticks = sw.Elapsed.Ticks, max;
            while (ticks > (max = Interlocked.Read(ref _maxTicks)) && Interlocked.CompareExchange(ref _maxTicks, ticks, max) != max) { }
        }
        if (sw.Elapsed > CaseLimit)
        {
            Interlocked.Increment(ref _hangs);
            throw new XunitException($"hang: one case took {sw.Elapsed.TotalSeconds:0.0} s (limit {CaseLimit.TotalSeconds} s)");
        }
    }

    /// <summary>Samples <paramref name="gen"/> <paramref name="iterations"/> times under a watchdog, then prints the figures.</summary>
    public void Sample<T>(Gen<T> gen, Action<T> property, long iterations, Func<T, string> print, TimeSpan watchdog)
    {
        var sw = Stopwatch.StartNew();
        var run = Task.Run(() => gen.Sample(property, iter: iterations, threads: Long ? 2 : 1, print: print));
        bool finished;
        try
        {
            finished = run.Wait(watchdog);
        }
        catch (AggregateException ex) when (ex.InnerException is not null)
        {
            Report(sw.Elapsed);
            throw ex.InnerException;
        }
        Report(sw.Elapsed);
        if (!finished)
        {
            Interlocked.Increment(ref _hangs);
            throw new XunitException($"hang: {name} did not finish within {watchdog}; cases in progress:\n{string.Join("\n", _current.Values)}");
        }
    }

    private void Report(TimeSpan elapsed)
    {
        output.WriteLine($"{name}: {Cases} cases in {elapsed.TotalSeconds:0.0} s ({(Long ? "long run" : "CI run")}): " +
                         $"{_plans} plans, {_errors} structured errors, {_invalid} invalid plans, {_crashes} crashes, {_hangs} hangs; " +
                         $"slowest case {TimeSpan.FromTicks(Interlocked.Read(ref _maxTicks)).TotalMilliseconds:0} ms");
        foreach (var (code, n) in _codes.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(40))
            output.WriteLine($"  {n,7} × {code}");
        foreach (var (note, n) in _notes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            output.WriteLine($"  {n,7} × {note}");
        if (_firstCrash is not null)
            output.WriteLine("first crash: " + _firstCrash);
    }
}
