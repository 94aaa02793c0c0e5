namespace DevAddr.Whatif.Tests;

public sealed partial class WhatifCommandTests
{
    /// <summary>Bad command lines; each writes to {out} (and a sweep's plot to {png}) if it got that far. Placeholders are filled in by the test.</summary>
    public static TheoryData<string, string[]> BadArguments() => new()
    {
        { "sweep syntax", ["{small}", "--sweep", "hotplugReserve=0-4", "-o", "{out}", "--plot", "{png}"] },
        { "sweep unknown tunable", ["{small}", "--sweep", "busKind=0..4", "-o", "{out}", "--plot", "{png}"] },
        { "sweep reversed", ["{small}", "--sweep", "hotplugReserve=4..0", "-o", "{out}", "--plot", "{png}"] },
        { "sweep zero step", ["{small}", "--sweep", "hotplugReserve=0..4:0", "-o", "{out}", "--plot", "{png}"] },
        { "sweep negative", ["{small}", "--sweep", "hotplugReserve=-1..4", "-o", "{out}", "--plot", "{png}"] },
        { "sweep too many values", ["{small}", "--sweep", "budgets.ioBytes=0..1M", "-o", "{out}", "--plot", "{png}"] },
        { "sweep node not in request", ["{small}", "--sweep", "hotplugReservePerNode.9=0..4", "-o", "{out}", "--plot", "{png}"] },
        { "sweep and policy", ["{small}", "--sweep", "hotplugReserve=0..4", "--policy", "{policy}", "-o", "{out}", "--plot", "{png}"] },
        { "plot without sweep", ["{small}", "--policy", "{policy}", "-o", "{out}", "--plot", "{png}"] },
        { "plot not png", ["{small}", "--sweep", "hotplugReserve=0..1", "-o", "{out}", "--plot", "{jpg}"] },
        { "plot and output the same file", ["{small}", "--sweep", "hotplugReserve=0..1", "-o", "{png}", "--plot", "{png}"] },
        { "no baseline and nothing else", ["{small}", "--no-baseline", "-o", "{out}"] },
        { "unknown format", ["{small}", "--format", "xml", "-o", "{out}"] },
        { "unknown option", ["{small}", "--colour", "-o", "{out}"] },
        { "missing policy file", ["{small}", "--policy", "{missing}", "-o", "{out}"] },
        { "malformed policy", ["{small}", "--policy", "{malformed}", "-o", "{out}"] },
        { "missing request", ["{missing}", "--policy", "{policy}", "-o", "{out}"] },
        { "malformed request", ["{malformed}", "-o", "{out}"] },
        { "unknown libvirt release", ["{small}", "--libvirt", "8.0", "-o", "{out}"] },
        { "libvirt release with a sweep", ["{small}", "--libvirt", "9.0", "--sweep", "hotplugReserve=0..2", "-o", "{out}"] },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Whatif_BadArguments_NonZeroExitAndNoOutputFile(string why, string[] args)
    {
        string policy = _files.ReservePolicy("p.json", 1);
        string malformed = _files.Write("bad.json", """{"name": "optimize", "tunables": {"hotplugReserv": {"value": 1}}}""");
        string[] filled = ["whatif", .. args.Select(a => a switch
        {
            "{small}" => Small,
            "{policy}" => policy,
            "{malformed}" => malformed,
            "{missing}" => _files.PathOf("missing.json"),
            "{out}" => _files.PathOf("out.txt"),
            "{png}" => _files.PathOf("sweep.png"),
            "{jpg}" => _files.PathOf("sweep.jpg"),
            _ => a,
        })];

        var (exit, stdout, err) = WhatifTestFiles.Run(filled);

        Assert.True(exit != 0, $"{why}: exit 0; stdout: {stdout}");
        Assert.False(string.IsNullOrWhiteSpace(err), why);
        Assert.DoesNotContain("What-if", stdout); // System.CommandLine prints the help on parse errors, never a comparison
        Assert.Equal(["bad.json", "p.json"], Directory.GetFiles(_files.Root).Select(Path.GetFileName).Order());
    }
}
