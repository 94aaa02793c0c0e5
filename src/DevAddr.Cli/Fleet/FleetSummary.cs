using System.Globalization;
using System.Text;
using MathNet.Numerics.Statistics;

namespace DevAddr.Cli.Fleet;

/// <summary>
/// What a fleet run did: counts, failures by error code, plan-time and controllers-added distributions.
/// Distributions keep every sample up to <see cref="MaxSamples"/> and a fixed-seed uniform sample beyond,
/// so memory stays bounded for any fleet size (quantiles are exact up to that many guests).
/// </summary>
internal sealed class FleetSummary
{
    /// <summary>Samples kept per distribution.</summary>
    public const int MaxSamples = 1_000_000;

    private readonly Sample _planMs = new(1);
    private readonly Sample _controllers = new(2);

    /// <summary>Result lines written in this run.</summary>
    public long Written { get; private set; }
    /// <summary>Lines with a plan.</summary>
    public long Plans { get; private set; }
    /// <summary>Result lines with an error, by error code.</summary>
    public SortedDictionary<string, long> ErrorsByCode { get; } = new(StringComparer.Ordinal);
    /// <summary>Guests whose shape was planned in this run (the others came from the cache).</summary>
    public long Planned { get; private set; }
    /// <summary>Guests served from the cache.</summary>
    public long CacheHits { get; private set; }
    /// <summary>Lines skipped because their id was already in the output (resume).</summary>
    public long Resumed { get; set; }
    /// <summary>Lines skipped because they belong to another shard.</summary>
    public long OtherShards { get; set; }
    /// <summary>Lines rejected without a result line (no id, not JSON, too long, duplicate id).</summary>
    public long Rejected { get; set; }

    /// <summary>Records one written result.</summary>
    public void Record(PlannedShape shape, ResultSource source)
    {
        Written++;
        if (shape.Ok)
        {
            Plans++;
            _controllers.Add(shape.ControllersAdded);
        }
        else
        {
            string code = shape.ErrorCode ?? "unknown";
            ErrorsByCode[code] = ErrorsByCode.GetValueOrDefault(code) + 1;
        }
        if (source == ResultSource.Cache)
        {
            CacheHits++;
        }
        else if (source == ResultSource.Planned)
        {
            Planned++;
            _planMs.Add(shape.PlanMilliseconds);
        }
    }

    /// <summary>The errors written, all codes.</summary>
    public long Errors => ErrorsByCode.Values.Sum();

    /// <summary>Formats the summary (several lines, invariant culture).</summary>
    public string Format(TimeSpan wall, FleetShard shard, int threads, long cacheBytes)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        double secs = Math.Max(wall.TotalSeconds, 1e-9);
        sb.Append(ci, $"fleet: {Written} result line(s) in {wall.TotalSeconds:0.00} s ({Written / secs:0} guests/s), shard {shard}, {threads} thread(s)\n");
        sb.Append(ci, $"  shapes planned {Planned}, cache hits {CacheHits} (cache {cacheBytes / (1024.0 * 1024):0.0} MiB)");
        sb.Append(ci, $"; skipped: {Resumed} already in output, {OtherShards} other shards; rejected lines {Rejected}\n");
        sb.Append(ci, $"  results: {Plans} plan(s), {Errors} error(s)");
        if (ErrorsByCode.Count > 0)
            sb.Append(": ").AppendJoin(", ", ErrorsByCode.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => string.Create(ci, $"{kv.Value}x {kv.Key}")));
        sb.Append('\n');
        if (_planMs.Count > 0)
        {
            var q = _planMs.Quantiles(0.5, 0.95, 0.99, 1.0);
            sb.Append(ci, $"  plan time per shape planned (ms, n={Planned}): p50 {q[0]:0.000}, p95 {q[1]:0.000}, p99 {q[2]:0.000}, max {q[3]:0.000}\n");
        }
        if (_controllers.Count > 0)
        {
            var q = _controllers.Quantiles(0.5, 0.95, 0.99, 1.0);
            sb.Append(ci, $"  controllers added per guest with a plan (n={Plans}): mean {_controllers.Mean:0.00}, p50 {q[0]:0}, p95 {q[1]:0}, p99 {q[2]:0}, max {q[3]:0}\n");
        }
        return sb.ToString();
    }

    /// <summary>A bounded sample of a distribution (reservoir sampling with a fixed seed beyond <see cref="MaxSamples"/>).</summary>
    private sealed class Sample(int seed)
    {
        private readonly List<double> _values = [];
        private readonly Random _random = new(seed);
        private long _seen;

        public long Count => _seen;

        public double Mean => _values.Mean();

        public void Add(double value)
        {
            _seen++;
            if (_values.Count < MaxSamples)
            {
                _values.Add(value);
                return;
            }
            long j = _random.NextInt64(_seen);
            if (j < MaxSamples) _values[(int)j] = value;
        }

        public double[] Quantiles(params double[] taus)
        {
            var sorted = _values.ToArray();
            Array.Sort(sorted);
            return taus.Select(t => SortedArrayStatistics.Quantile(sorted, t)).ToArray();
        }
    }
}
