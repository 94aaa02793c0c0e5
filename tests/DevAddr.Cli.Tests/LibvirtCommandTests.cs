namespace DevAddr.Cli.Tests;

/// <summary><c>devaddr libvirt expand</c> through the real root command.</summary>
public sealed class LibvirtCommandTests
{
    internal const string GoodDomain = """
        <domain type='qemu'>
          <name>good</name>
          <memory>524288</memory>
          <os><type arch='x86_64' machine='q35'>hvm</type></os>
          <devices>
            <disk type='file' device='disk'><source file='/tmp/a.qcow2'/><target dev='vda' bus='virtio'/></disk>
            <interface type='user'><mac address='52:54:00:12:34:56'/><model type='virtio'/></interface>
            <video><model type='vga'/></video>
          </devices>
        </domain>
        """;

    private const string IdeOnQ35 = """
        <domain type='qemu'>
          <name>ide</name>
          <memory>524288</memory>
          <os><type arch='x86_64' machine='q35'>hvm</type></os>
          <devices>
            <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>
          </devices>
        </domain>
        """;

    [Fact]
    public void Expand_SmallDirectory_WritesXmlForGoodAndErrorForBadDomains()
    {
        using var dir = new TempDirectory();
        string input = dir.File("in"), output = dir.File("out");
        Directory.CreateDirectory(input);
        File.WriteAllText(Path.Combine(input, "good.xml"), GoodDomain);
        File.WriteAllText(Path.Combine(input, "ide.xml"), IdeOnQ35);
        File.WriteAllText(Path.Combine(input, "broken.xml"), "<domain><devices>");
        File.WriteAllText(Path.Combine(input, "notes.txt"), "not a domain");

        var result = CliRun.Run("libvirt", "expand", input, output);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("expanded 3 domain(s)", result.Error, StringComparison.Ordinal);
        Assert.Equal(["broken.error", "good.xml", "ide.error"], Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        string xml = File.ReadAllText(Path.Combine(output, "good.xml"));
        Assert.Contains("model='pcie-root-port'", xml.Replace('"', '\''), StringComparison.Ordinal);
        Assert.Contains("<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>", xml.Replace('"', '\'').Replace(" />", "/>", StringComparison.Ordinal), StringComparison.Ordinal);
        // The vga model's default attributes come from models/libvirt-xml.json.
        Assert.Contains("vram='16384'", xml.Replace('"', '\''), StringComparison.Ordinal);
        Assert.Equal("IDE controllers are unsupported for this QEMU binary or machine type\n", File.ReadAllText(Path.Combine(output, "ide.error")));
        Assert.StartsWith("XML error", File.ReadAllText(Path.Combine(output, "broken.error")), StringComparison.Ordinal);
    }

    /// <summary>
    /// Input files are read as UTF-8 whatever their size: a UTF-8 byte order mark is skipped, a UTF-16 file with its byte
    /// order mark is read as UTF-16, a file larger than a worker's read buffer is read whole, and bytes that are not UTF-8
    /// give an error file naming the encoding.
    /// </summary>
    [Fact]
    public void Expand_InputEncodings_ReadLikeTheTextTheyHold()
    {
        using var dir = new TempDirectory();
        string input = dir.File("in"), output = dir.File("out");
        Directory.CreateDirectory(input);
        File.WriteAllText(Path.Combine(input, "plain.xml"), GoodDomain, new System.Text.UTF8Encoding(false));
        File.WriteAllText(Path.Combine(input, "bom.xml"), GoodDomain, new System.Text.UTF8Encoding(true));
        File.WriteAllText(Path.Combine(input, "utf16.xml"), GoodDomain, new System.Text.UnicodeEncoding(false, true));
        // 200 KiB of comment (past the read buffer's first size) and a non-ASCII name after it.
        string large = GoodDomain.Replace("<devices>", "<!--" + new string('x', 200 << 10) + "--><devices>", StringComparison.Ordinal)
            .Replace("<name>good</name>", "<name>g\u00fct</name>", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(input, "large.xml"), large, new System.Text.UTF8Encoding(false));
        File.WriteAllBytes(Path.Combine(input, "latin1.xml"), System.Text.Encoding.Latin1.GetBytes(GoodDomain.Replace("good", "g\u00fct", StringComparison.Ordinal)));

        var result = CliRun.Run("libvirt", "expand", input, output);

        Assert.True(result.ExitCode == 0, result.Error);
        string plain = File.ReadAllText(Path.Combine(output, "plain.xml"));
        Assert.Equal(plain, File.ReadAllText(Path.Combine(output, "bom.xml")));
        Assert.Equal(plain, File.ReadAllText(Path.Combine(output, "utf16.xml")));
        string[] expanded = File.ReadAllLines(Path.Combine(output, "large.xml"));
        Assert.Equal(1, expanded.Count(l => l.Contains("<!--" + new string('x', 200 << 10) + "-->", StringComparison.Ordinal)));
        Assert.Equal(plain.Replace("<name>good</name>", "<name>g\u00fct</name>", StringComparison.Ordinal),
            string.Join("\n", expanded.Where(l => !l.Contains("<!--", StringComparison.Ordinal))) + "\n");
        Assert.StartsWith("XML error: input is not valid UTF-8", File.ReadAllText(Path.Combine(output, "latin1.error")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "--libvirt", "11.3" }, true)]
    [InlineData(new[] { "--libvirt", "9.0" }, false)]
    public void Expand_LibvirtRelease_ListsTheQ35ITcoWatchdogOnlyFrom113(string[] options, bool itco)
    {
        using var dir = new TempDirectory();
        string input = dir.File("in"), output = dir.File("out");
        Directory.CreateDirectory(input);
        File.WriteAllText(Path.Combine(input, "good.xml"), GoodDomain);

        var result = CliRun.Run(["libvirt", "expand", input, output, .. options]);

        Assert.True(result.ExitCode == 0, result.Error);
        string xml = File.ReadAllText(Path.Combine(output, "good.xml")).Replace('"', '\'');
        Assert.Equal(itco, xml.Contains("<watchdog model='itco'", StringComparison.Ordinal));
    }

    [Fact]
    public void Expand_UnknownLibvirtRelease_IsAUsageErrorNamingTheReleases()
    {
        using var dir = new TempDirectory();
        string input = dir.File("in");
        Directory.CreateDirectory(input);

        var result = CliRun.Run("libvirt", "expand", input, dir.File("out"), "--libvirt", "10.0");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("9.0, 11.3", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    /// <summary>Every file of a parallel expansion equals the one-thread file: the whole 9.0 corpus and its arches corpus.</summary>
    [Fact]
    public void Expand_AnyNumberOfJobs_WritesByteIdenticalFiles()
    {
        using var dir = new TempDirectory();
        string input = dir.File("in");
        Directory.CreateDirectory(input);
        foreach (string corpus in new[] { "libvirt-9.0", "libvirt-9.0-arches" })
            foreach (var f in Directory.GetFiles(Path.Combine(CliRun.Root, "fixtures", "conformance", corpus, "input"), "*.xml"))
                File.Copy(f, Path.Combine(input, corpus + "-" + Path.GetFileName(f)));

        var outputs = new[] { "1", "2", "4", "0" }.Select(jobs =>
        {
            string output = dir.File("out-" + jobs);
            var result = CliRun.Run("libvirt", "expand", "--jobs", jobs, input, output);
            Assert.True(result.ExitCode == 0, result.Error);
            return output;
        }).ToList();

        var expected = Snapshot(outputs[0]);
        Assert.Equal(800, expected.Count);
        foreach (string output in outputs.Skip(1)) Assert.Equal(expected, Snapshot(output));
    }

    /// <summary>The optimize policy (a CP-SAT model per guest) expanded in parallel: the same files as one at a time.</summary>
    [Fact]
    public void Expand_OptimizePolicyInParallel_WritesByteIdenticalFiles()
    {
        using var dir = new TempDirectory();
        string input = dir.File("in"), policy = dir.File("policy.json");
        Directory.CreateDirectory(input);
        foreach (var f in Directory.GetFiles(Path.Combine(CliRun.Root, "fixtures", "conformance", "libvirt-9.0", "input"), "*.xml").Order(StringComparer.Ordinal).Take(60))
            File.Copy(f, Path.Combine(input, Path.GetFileName(f)));
        File.WriteAllText(policy, """{"name": "optimize", "tunables": {"hotplugReserve": {"value": 2, "mode": "prefer"}}}""");

        var one = CliRun.Run("libvirt", "expand", "--tunables", policy, "-j", "1", input, dir.File("one"));
        var two = CliRun.Run("libvirt", "expand", "--tunables", policy, "-j", "2", input, dir.File("two"));

        Assert.True(one.ExitCode == 0 && two.ExitCode == 0, one.Error + two.Error);
        Assert.Equal(Snapshot(dir.File("one")), Snapshot(dir.File("two")));
    }

    [Fact]
    public void Expand_NegativeJobs_IsAUsageError()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("in"));

        var result = CliRun.Run("libvirt", "expand", "--jobs", "-1", dir.File("in"), dir.File("out"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("devaddr: --jobs must be 0 (one per processor) or more, got -1\n", result.Error);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    private static SortedDictionary<string, string> Snapshot(string directory) =>
        new(Directory.GetFiles(directory).ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>The domain written for a plan turns ACPI on where the machine has it (models/machines.json, "acpi").</summary>
    [Theory]
    [InlineData("x86_64", "q35", true)]
    [InlineData("aarch64", "virt", true)]
    [InlineData("riscv64", "virt", false)]
    [InlineData("ppc64le", "pseries", false)]
    [InlineData("s390x", "s390-ccw-virtio", false)]
    public void Domain_ForAPlan_TurnsAcpiOnOnlyWhereTheMachineHasIt(string arch, string machine, bool acpi)
    {
        using var dir = new TempDirectory();
        string request = dir.File("request.json"), plan = dir.File("plan.json");
        File.WriteAllText(request, $$"""{"machine": {"arch": "{{arch}}", "type": "{{machine}}"}, "devices": [{"id": "vda", "kind": "disk", "bus": "virtio", "target": "vda"}]}""");
        Assert.Equal(0, CliRun.Run("plan", request, "-o", plan).ExitCode);

        var result = CliRun.Run("libvirt", "domain", plan);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(acpi, result.Output.Contains("<acpi />", StringComparison.Ordinal));
    }

    [Fact]
    public void Expand_MissingInputDirectory_IsAUsageError()
    {
        using var dir = new TempDirectory();

        var result = CliRun.Run("libvirt", "expand", dir.File("nope"), dir.File("out"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not exist", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Expand_UnreadableInput_IsThatGuestsErrorAndTheOthersAreExpanded()
    {
        using var dir = new TempDirectory();
        string input = dir.File("in"), output = dir.File("out");
        Directory.CreateDirectory(input);
        File.WriteAllText(Path.Combine(input, "good.xml"), GoodDomain);
        File.CreateSymbolicLink(Path.Combine(input, "gone.xml"), dir.File("nowhere.xml"));

        var result = CliRun.Run("libvirt", "expand", "-j", "1", input, output);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(["gone.error", "good.xml"], Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.StartsWith("cannot read input 'gone.xml': ", File.ReadAllText(Path.Combine(output, "gone.error")), StringComparison.Ordinal);
    }

    [Fact]
    public void Expand_OutputThatIsAFile_SaysSoWithoutAnInternalErrorTrace()
    {
        using var dir = new TempDirectory();
        string input = dir.File("in"), output = dir.File("out");
        Directory.CreateDirectory(input);
        File.WriteAllText(Path.Combine(input, "good.xml"), GoodDomain);
        File.WriteAllText(output, "a file, not a directory");

        var result = CliRun.Run("libvirt", "expand", input, output);

        Assert.Equal(70, result.ExitCode);
        Assert.StartsWith($"devaddr: cannot expand '{input}' into '{output}': ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.Error, StringComparison.Ordinal);
    }
}
