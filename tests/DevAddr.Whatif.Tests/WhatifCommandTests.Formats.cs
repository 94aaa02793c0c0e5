using System.Buffers.Binary;
using System.Text.Json;

namespace DevAddr.Whatif.Tests;

public sealed partial class WhatifCommandTests
{
    [Fact]
    public void Whatif_Json_SameBytesEveryRunAndNoTimesUnlessAsked()
    {
        string r8 = _files.ReservePolicy("reserve8.json", 8);
        string[] args = ["whatif", Numa, "--policy", r8, "--format", "json"];

        var first = WhatifTestFiles.Run(args);
        var second = WhatifTestFiles.Run(args);
        var timed = WhatifTestFiles.Run([.. args, "--timings"]);

        Assert.True(first.Exit == 0, first.Err);
        Assert.Equal(first.Out, second.Out);
        Assert.DoesNotContain("solveMs", first.Out);
        using var doc = JsonDocument.Parse(timed.Out);
        Assert.All(doc.RootElement.GetProperty("scenarios").EnumerateArray(), s => Assert.True(s.GetProperty("solveMs").GetDouble() >= 0));
    }

    [Fact]
    public void Whatif_Csv_EveryRowHasTheHeadersFieldsAndQuotedMessagesRoundTrip()
    {
        string tight = _files.Write("tight.json",
            """{"name": "optimize", "tunables": {"hotplugReserve": {"value": 8}, "budgets": {"busNumbers": 3}}}""");
        string r8 = _files.ReservePolicy("reserve8.json", 8);

        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Numa, "--policy", r8, "--policy", tight, "--format", "csv");
        var (_, json, _) = WhatifTestFiles.Run("whatif", Numa, "--policy", r8, "--policy", tight, "--format", "json");

        Assert.True(exit == 0, err);
        var rows = Csv.Parse(stdout);
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Equal(rows[0].Count, r.Count));
        Assert.Equal(["name", "policy", "value", "status", "errorCode", "errorMessage", "controllersAdded"], rows[0].Take(7));
        Assert.Contains("spareNode3", rows[0]);
        Assert.DoesNotContain("solveMs", rows[0]);
        using var doc = JsonDocument.Parse(json);
        var tightRow = rows.Single(r => r[0] == "tight");
        Assert.Equal("infeasible", tightRow[rows[0].IndexOf("errorCode")]);
        Assert.Equal(Scenario(doc, "tight").GetProperty("error").GetProperty("message").GetString(), tightRow[rows[0].IndexOf("errorMessage")]);
        var r8Row = rows.Single(r => r[0] == "reserve8");
        Assert.Equal(Scenario(doc, "reserve8").GetProperty("sparePlaces").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
            r8Row[rows[0].IndexOf("sparePlaces")]);
    }

    [Fact]
    public void Whatif_OutputFile_HoldsTheComparisonAndStdoutStaysEmpty()
    {
        string output = _files.PathOf("out.csv");

        var (exit, stdout, err) = WhatifTestFiles.Run("whatif", Small, "--sweep", "hotplugReserve=0..1", "--format", "csv", "-o", output);

        Assert.True(exit == 0, err);
        Assert.Equal("", stdout);
        Assert.Equal(3, Csv.Parse(File.ReadAllText(output)).Count);
        Assert.Empty(Directory.GetFiles(_files.Root, "*.tmp"));
    }

    [Fact]
    public void Whatif_Plot_WritesAValidPng()
    {
        string png = _files.PathOf("sweep.png");

        var (exit, _, err) = WhatifTestFiles.Run("whatif", Small, "--sweep", "hotplugReserve=0..4", "--plot", png);

        Assert.True(exit == 0, err);
        byte[] bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(1000, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(600, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        Assert.Equal("IEND", System.Text.Encoding.ASCII.GetString(bytes, bytes.Length - 8, 4));
        Assert.True(bytes.Length > 10_000, $"{bytes.Length} bytes: an empty picture?");
    }
}
