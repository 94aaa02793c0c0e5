using BenchmarkDotNet.Attributes;
using DevAddr.Cli.Fleet;
using DevAddr.FleetGen;

namespace DevAddr.Benchmarks;

/// <summary>
/// <c>devaddr fleet</c> throughput: a generated 1,000-guest fleet (20 % distinct shapes) planned to a file on all
/// cores, with and without the shape cache. One operation is one guest (ns/op = wall time per guest).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class FleetBenchmarks
{
    private const int FleetSize = 1000;
    private string _dir = "";
    private string _input = "";
    private string _output = "";

    /// <summary>Shape cache size in MiB (0: every guest planned).</summary>
    [Params(0, 256)]
    public int CacheMiB { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("devaddr-fleet-bench-").FullName;
        _input = Path.Combine(_dir, "fleet.jsonl");
        _output = Path.Combine(_dir, "out.jsonl");
        FleetGenerator.Write(_input, seed: 1, guests: FleetSize, unique: 0.2);
    }

    [IterationSetup]
    public void DeleteOutput() => File.Delete(_output);

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>Plans the fleet.</summary>
    [Benchmark(OperationsPerInvoke = FleetSize)]
    public long Fleet()
    {
        var options = new FleetOptions { Input = _input, Output = _output, CacheBytes = (long)CacheMiB << 20 };
        var result = FleetRunner.RunAsync(options, TextWriter.Null, CancellationToken.None).GetAwaiter().GetResult();
        return result.Fatal is null ? result.Summary.Written : throw new InvalidOperationException(result.Fatal);
    }
}
