using BenchmarkDotNet.Attributes;
using DevAddr.Libvirt;

namespace DevAddr.Benchmarks;

/// <summary>
/// The libvirt XML adapter on conformance inputs: parse alone, and parse + plan + write (what
/// <c>devaddr libvirt expand</c> does per file). <c>corpus</c> runs every one of the first 300 inputs once.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class XmlAdapterBenchmarks
{
    private string[] _xml = [];

    /// <summary>"smallest" (the smallest of the 300 inputs), "largest", or "corpus" (all 300).</summary>
    [Params("smallest", "largest", "corpus")]
    public string Input { get; set; } = "corpus";

    [GlobalSetup]
    public void Setup()
    {
        var files = Directory.GetFiles(Path.Combine(RepoPaths.Root, "fixtures", "conformance", "libvirt-9.0", "input"), "*.xml")
            .Order(StringComparer.Ordinal).Take(300).ToArray();
        var bySize = files.OrderBy(f => new FileInfo(f).Length).ThenBy(f => f, StringComparer.Ordinal).ToArray();
        _xml = (Input switch
        {
            "smallest" => [bySize[0]],
            "largest" => [bySize[^1]],
            _ => files,
        }).Select(File.ReadAllText).ToArray();
    }

    /// <summary>Parsing the domain XML into a request.</summary>
    [Benchmark]
    public int Parse()
    {
        int n = 0;
        foreach (string x in _xml)
        {
            try
            {
                n += DomainXml.Parse(x).Request.Devices.Count;
            }
            catch (DomainXmlException)
            {
            }
        }
        return n;
    }

    /// <summary>Parse + plan + write the expanded XML.</summary>
    [Benchmark]
    public int Expand()
    {
        int n = 0;
        foreach (string x in _xml)
            n += LibvirtExpander.Expand(x).Xml?.Length ?? 0;
        return n;
    }
}
