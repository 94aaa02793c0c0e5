using System.Xml.Linq;
using DevAddr.Libvirt.Tests.Oracle;

namespace DevAddr.Libvirt.Tests;

public sealed partial class DomainComparerTests
{
    private const string VdaAddress = "<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>";

    private const string Mac = "52:54:00:00:00:01";

    /// <summary>An expanded q35 guest in libvirt's shape, with one device of each identity rule.</summary>
    private const string Domain = $"""
        <domain type='qemu'>
          <name>t</name>
          <memory unit='KiB'>524288</memory>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <disk type='file' device='disk'>
              <target dev='vda' bus='virtio'/>
              {VdaAddress}
            </disk>
            <controller type='usb' index='0' model='ich9-ehci1'>
              <address type='pci' domain='0x0000' bus='0x00' slot='0x1d' function='0x7'/>
            </controller>
            <controller type='usb' index='0' model='ich9-uhci1'>
              <master startport='0'/>
              <address type='pci' domain='0x0000' bus='0x00' slot='0x1d' function='0x0' multifunction='on'/>
            </controller>
            <controller type='usb' index='0' model='ich9-uhci2'>
              <master startport='2'/>
              <address type='pci' domain='0x0000' bus='0x00' slot='0x1d' function='0x1'/>
            </controller>
            <controller type='pci' index='0' model='pcie-root'/>
            <controller type='pci' index='1' model='pcie-root-port'>
              <model name='pcie-root-port'/>
              <target chassis='1' port='0x10'/>
              <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' multifunction='on'/>
            </controller>
            <controller type='pci' index='2' model='pcie-expander-bus'>
              <model name='pxb-pcie'/>
              <target busNr='254'>
                <node>1</node>
              </target>
              <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
            </controller>
            <controller type='virtio-serial' index='0' ports='16'>
              <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
            </controller>
            <interface type='user'>
              <mac address='{Mac}'/>
              <model type='virtio'/>
              <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>
            </interface>
            <channel type='unix'>
              <target type='virtio' name='org.example.ch0'/>
              <address type='virtio-serial' controller='0' bus='0' port='1'/>
            </channel>
            <input type='tablet' bus='usb'>
              <address type='usb' bus='0' port='1'/>
            </input>
            <input type='tablet' bus='usb'>
              <address type='usb' bus='0' port='2'/>
            </input>
            <graphics type='vnc' port='-1'/>
            <audio id='1' type='none'/>
            <memballoon model='virtio'>
              <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
            </memballoon>
          </devices>
        </domain>
        """;

    [Fact]
    public void Diff_IdenticalDocuments_ReportsNothing()
    {
        Assert.Empty(Diff(Domain, Domain));
    }

    [Fact]
    public void Diff_ChangedAddress_ReportsTheAddressesAsPythonDicts()
    {
        string actual = Domain.Replace(VdaAddress, VdaAddress.Replace("slot='0x00'", "slot='0x05'", StringComparison.Ordinal), StringComparison.Ordinal);

        var problem = Assert.Single(Diff(Domain, actual));

        Assert.Equal(
            "disk/vda: address expected {'bus': '1', 'domain': '0', 'function': '0', 'slot': '0', 'type': 'pci'} "
            + "got {'bus': '1', 'domain': '0', 'function': '0', 'slot': '5', 'type': 'pci'}",
            problem);
    }

    [Theory]
    [InlineData("bus='0x01' slot='0x00' function='0x0'", "bus='1' slot='0' function='0'")]
    [InlineData("bus='0x01' slot='0x00' function='0x0'", "bus='0X01' slot='00' function='+0'")]
    [InlineData("bus='0x01' slot='0x00' function='0x0'", "bus=' 1 ' slot='0b0' function='0o0'")]
    public void Diff_NumbersInAnotherNotation_AreEqualValues(string from, string to)
    {
        Assert.Empty(Diff(Domain, Domain.Replace(from, to, StringComparison.Ordinal)));
    }

    [Fact]
    public void Diff_DecimalWithLeadingZero_IsTextAsForPythonInt()
    {
        string actual = Domain.Replace(VdaAddress, VdaAddress.Replace("bus='0x01'", "bus='01'", StringComparison.Ordinal), StringComparison.Ordinal);

        Assert.StartsWith("disk/vda: address expected {'bus': '1'", Assert.Single(Diff(Domain, actual)), StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_DevicesInAnotherOrder_AreMatchedByIdentity()
    {
        var doc = XDocument.Parse(Domain);
        var devices = doc.Root!.Element("devices")!;
        var disk = devices.Element("disk")!;
        disk.Remove();
        devices.Add(disk);

        Assert.Empty(DomainComparer.Diff(XDocument.Parse(Domain), doc));
    }

    [Fact]
    public void Diff_MissingInterface_ReportsMissingWithExpectedFields()
    {
        var doc = XDocument.Parse(Domain);
        doc.Root!.Element("devices")!.Element("interface")!.Remove();

        Assert.Equal(
            $"missing interface/{Mac} (expected {{'address': {{'bus': '3', 'domain': '0', 'function': '0', 'slot': '0', 'type': 'pci'}}, 'model': 'virtio'}})",
            Assert.Single(DomainComparer.Diff(XDocument.Parse(Domain), doc)));
    }

    [Fact]
    public void Diff_ExtraDevice_ReportsUnexpectedWithOrdinal()
    {
        var doc = XDocument.Parse(Domain);
        doc.Root!.Element("devices")!.Add(XElement.Parse("<input type='tablet' bus='usb'><address type='usb' bus='0' port='3'/></input>"));

        Assert.Equal(
            "unexpected input/tablet/None/usb/2 {'address': {'bus': '0', 'port': '3', 'type': 'usb'}, 'model': {}}",
            Assert.Single(DomainComparer.Diff(XDocument.Parse(Domain), doc)));
    }

    [Fact]
    public void Diff_MacInUpperCase_IsTheSameInterface()
    {
        Assert.Empty(Diff(Domain, Domain.Replace(Mac, Mac.ToUpperInvariant(), StringComparison.Ordinal)));
    }

    [Fact]
    public void Diff_CompanionControllersSwapped_AreComparedInDocumentOrder()
    {
        var doc = XDocument.Parse(Domain);
        var companions = doc.Root!.Element("devices")!.Elements("controller").Where(c => (string?)c.Attribute("model") == "ich9-uhci1").ToList();
        var first = Assert.Single(companions);
        first.Remove();
        doc.Root!.Element("devices")!.Elements("controller").Single(c => (string?)c.Attribute("model") == "ich9-uhci2").AddAfterSelf(first);

        var problems = DomainComparer.Diff(XDocument.Parse(Domain), doc);

        Assert.Equal(2, problems.Count);
        Assert.StartsWith("controller/usb/0/#2: address expected", problems[0], StringComparison.Ordinal);
        Assert.Contains("; master expected {'startport': '0'} got {'startport': '2'}; model expected ich9-uhci1 got ich9-uhci2", problems[0], StringComparison.Ordinal);
        Assert.StartsWith("controller/usb/0/#3: ", problems[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<model name='pcie-root-port'/>", "<model name='ioh3420'/>", "controller/pci/1: model_name expected pcie-root-port got ioh3420")]
    [InlineData("chassis='1' port='0x10'", "chassis='2' port='0x10'", "controller/pci/1: target expected {'chassis': '1', 'port': '16'} got {'chassis': '2', 'port': '16'}")]
    [InlineData("<node>1</node>", "<node>0</node>", "controller/pci/2: node expected 1 got 0")]
    [InlineData("model='pcie-expander-bus'", "model='pci-expander-bus'", "controller/pci/2: model expected pcie-expander-bus got pci-expander-bus")]
    [InlineData("ports='16'", "ports='0x10'", null)]
    [InlineData(" ports='16'", "", "controller/virtio-serial/0: ports expected 16 got None")]
    [InlineData("<target dev='vda' bus='virtio'/>", "<target dev='vda' bus='scsi'/>", "disk/vda: bus expected virtio got scsi")]
    [InlineData("<model type='virtio'/>", "<model type='e1000e'/>", "interface/52:54:00:00:00:01: model expected virtio got e1000e")]
    [InlineData("port='1'/>\n    </channel>", "port='2'/>\n    </channel>", "channel/virtio/org.example.ch0/None: address expected {'bus': '0', 'controller': '0', 'port': '1', 'type': 'virtio-serial'} got {'bus': '0', 'controller': '0', 'port': '2', 'type': 'virtio-serial'}")]
    public void Diff_ComparedField_ChangeIsReported(string from, string to, string? expected)
    {
        string actual = Domain.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(Domain, actual);

        var problems = Diff(Domain, actual);

        if (expected is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            Assert.Equal(expected, Assert.Single(problems));
        }
    }

    [Theory]
    [InlineData("<graphics type='vnc' port='-1'/>", "<graphics type='spice'/><graphics type='vnc'/>")]
    [InlineData("<audio id='1' type='none'/>", "")]
    [InlineData("<emulator>/usr/bin/qemu-system-x86_64</emulator>", "<emulator>/opt/qemu</emulator>")]
    [InlineData("<memory unit='KiB'>524288</memory>", "<memory unit='GiB'>8</memory>")]
    [InlineData("<model type='virtio'/>", "<model type='virtio'/><driver queues='4'/>")]
    public void Diff_NotComparedContent_IsIgnored(string from, string to)
    {
        string actual = Domain.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(Domain, actual);

        Assert.Empty(Diff(Domain, actual));
    }

    /// <summary>
    /// The address types and controllers of the other architectures in one document (the comparer does not care
    /// which machine could hold them): a second PCI host bridge with a NUMA node, spapr-vio, CCW and virtio-mmio
    /// addresses, and a host device with zPCI ids.
    /// </summary>
    private const string ArchesDomain = """
        <domain type='qemu'>
          <name>t</name>
          <devices>
            <controller type='pci' index='0' model='pci-root'>
              <model name='spapr-pci-host-bridge'/>
              <target index='0'/>
            </controller>
            <controller type='pci' index='1' model='pci-root'>
              <model name='spapr-pci-host-bridge'/>
              <target index='1'>
                <node>1</node>
              </target>
            </controller>
            <disk type='file' device='disk'>
              <target dev='vda' bus='virtio'/>
              <address type='virtio-mmio'/>
            </disk>
            <interface type='user'>
              <mac address='52:54:00:00:00:01'/>
              <model type='spapr-vlan'/>
              <address type='spapr-vio' reg='0x1000'/>
            </interface>
            <interface type='user'>
              <mac address='52:54:00:00:00:02'/>
              <model type='virtio'/>
              <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0002'/>
            </interface>
            <serial type='pty'>
              <target type='spapr-vio-serial' port='0'>
                <model name='spapr-vty'/>
              </target>
              <address type='spapr-vio' reg='0x30000000'/>
            </serial>
            <hostdev mode='subsystem' type='pci' managed='yes'>
              <source>
                <address domain='0x0000' bus='0x76' slot='0x00' function='0x0'/>
              </source>
              <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'>
                <zpci uid='0xfebe' fid='0x00006310'/>
              </address>
            </hostdev>
          </devices>
        </domain>
        """;

    [Theory]
    [InlineData("reg='0x1000'", "reg='4096'")]
    [InlineData("reg='0x30000000'", "reg='0X30000000'")]
    [InlineData("cssid='0xfe' ssid='0x0' devno='0x0002'", "cssid='254' ssid='00' devno='2'")]
    [InlineData("<target index='1'>", "<target index='0x1'>")]
    [InlineData("uid='0xfebe' fid='0x00006310'", "uid='65214' fid='25360'")]
    [InlineData("uid='0xfebe' fid='0x00006310'", "uid='0x0001' fid='0x00000000'")] // zPCI ids are not compared (nor by the reference)
    [InlineData("<address domain='0x0000' bus='0x76'", "<address domain='0x0000' bus='0x77'")] // the host's address is not the guest's
    public void Diff_ArchesAddressesInAnotherNotationOrUncompared_AreEqual(string from, string to)
    {
        string actual = ArchesDomain.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(ArchesDomain, actual);

        Assert.Empty(Diff(ArchesDomain, actual));
    }

    [Theory]
    [InlineData("reg='0x1000'", "reg='0x2000'", "interface/52:54:00:00:00:01: address expected {'reg': '4096', 'type': 'spapr-vio'} got {'reg': '8192', 'type': 'spapr-vio'}")]
    [InlineData("<address type='spapr-vio' reg='0x1000'/>", "<address type='spapr-vio'/>", "interface/52:54:00:00:00:01: address expected {'reg': '4096', 'type': 'spapr-vio'} got {'type': 'spapr-vio'}")]
    [InlineData("devno='0x0002'", "devno='0x0003'", "interface/52:54:00:00:00:02: address expected {'cssid': '254', 'devno': '2', 'ssid': '0', 'type': 'ccw'} got {'cssid': '254', 'devno': '3', 'ssid': '0', 'type': 'ccw'}")]
    [InlineData("ssid='0x0'", "ssid='0x1'", "interface/52:54:00:00:00:02: address expected {'cssid': '254', 'devno': '2', 'ssid': '0', 'type': 'ccw'} got {'cssid': '254', 'devno': '2', 'ssid': '1', 'type': 'ccw'}")]
    [InlineData("<address type='virtio-mmio'/>", "<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>", "disk/vda: address expected {'type': 'virtio-mmio'} got {'bus': '0', 'domain': '0', 'function': '0', 'slot': '1', 'type': 'pci'}")]
    [InlineData("<address type='virtio-mmio'/>", "", "disk/vda: address expected {'type': 'virtio-mmio'} got {}")]
    [InlineData("<target index='1'>", "<target index='2'>", "controller/pci/1: target expected {'index': '1'} got {'index': '2'}")]
    [InlineData("<node>1</node>", "<node>0</node>", "controller/pci/1: node expected 1 got 0")]
    [InlineData("<target index='0'/>", "<target index='0'><node>0</node></target>", "controller/pci/0: node expected None got 0")]
    [InlineData("<model name='spapr-pci-host-bridge'/>\n      <target index='1'>", "<target index='1'>", "controller/pci/1: model_name expected spapr-pci-host-bridge got None")]
    [InlineData("port='0'>", "port='1'>", "missing serial/spapr-vio-serial/None/0 (expected {'address': {'reg': '805306368', 'type': 'spapr-vio'}, 'target': {'port': '0', 'type': 'spapr-vio-serial'}})")]
    [InlineData("slot='0x01' function='0x0'>", "slot='0x02' function='0x0'>", "hostdev/pci/None/None/0: address expected {'bus': '0', 'domain': '0', 'function': '0', 'slot': '1', 'type': 'pci'} got {'bus': '0', 'domain': '0', 'function': '0', 'slot': '2', 'type': 'pci'}")]
    public void Diff_ArchesComparedField_ChangeIsReported(string from, string to, string expected)
    {
        string actual = ArchesDomain.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(ArchesDomain, actual);

        Assert.Equal(expected, Diff(ArchesDomain, actual)[0]);
    }

    [Fact]
    public void CompareDirectories_EveryOutcome_ScoresLikeTheReference()
    {
        using var dirs = new TempDirectory();
        string expected = dirs.Sub("expected"), actual = dirs.Sub("actual");
        void Write(string dir, string file, string text) => File.WriteAllText(Path.Combine(dir, file), text);

        Write(expected, "a-same.xml", Domain);
        Write(actual, "a-same.xml", Domain);
        Write(expected, "b-error-error.error", "XML error: one message\n");
        Write(actual, "b-error-error.error", "another message entirely\n");
        Write(expected, "c-error-plan.error", "XML error: Attempted double use of PCI Address\n");
        Write(actual, "c-error-plan.xml", Domain);
        Write(expected, "d-error-nothing.error", "internal error\n");
        Write(expected, "e-plan-error.xml", Domain);
        Write(actual, "e-plan-error.error", "\r\n  no free slot\r\n\r\n");
        Write(expected, "f-plan-nothing.xml", Domain);
        Write(expected, "g-plan-broken.xml", Domain);
        Write(actual, "g-plan-broken.xml", Domain[..100]);
        Write(expected, "h-many.xml", Domain);
        Write(actual, "h-many.xml", Domain.Replace("bus='0x00'", "bus='0x07'", StringComparison.Ordinal));
        Write(actual, "z-not-expected.xml", Domain);

        var report = DomainComparer.CompareDirectories(expected, actual);

        Assert.Equal(
            ["a-same", "b-error-error", "c-error-plan", "d-error-nothing", "e-plan-error", "f-plan-nothing", "g-plan-broken", "h-many"],
            report.Cases.Select(c => c.Name));
        Assert.Equal([true, true, false, false, false, false, false, false], report.Cases.Select(c => c.Passed));
        Assert.Equal(["expected an error, got a plan"], report.Cases[2].Problems);
        Assert.Equal(["expected an error, got nothing"], report.Cases[3].Problems);
        Assert.Equal(["unexpected error: no free slot"], report.Cases[4].Problems);
        Assert.Equal(["no output"], report.Cases[5].Problems);
        Assert.StartsWith("unreadable output XML: ", Assert.Single(report.Cases[6].Problems), StringComparison.Ordinal);
        Assert.Equal(5, report.Cases[7].Problems.Count); // the five devices on bus 0
        Assert.Equal("2 passed, 6 failed", report.Summary);
        Assert.Equal(0.25, report.PassRate);
    }

    [Fact]
    public void Format_FailedCaseWithManyProblems_ShowsFiveAndCountsTheRest()
    {
        var report = new ComparisonReport([
            new CaseResult("ok", []),
            new CaseResult("bad", ["p1", "p2", "p3", "p4", "p5", "p6", "p7"]),
        ]);

        Assert.Equal("PASS ok\nFAIL bad\n    p1\n    p2\n    p3\n    p4\n    p5\n    ... 2 more\n1 passed, 1 failed\n", report.Format());
        Assert.Equal("FAIL bad\n    p1\n    p2\n    p3\n    p4\n    p5\n    ... 2 more\n1 passed, 1 failed\n", report.Format(failuresOnly: true));
    }

    private static List<string> Diff(string expected, string actual) =>
        DomainComparer.Diff(XDocument.Parse(expected, LoadOptions.PreserveWhitespace), XDocument.Parse(actual, LoadOptions.PreserveWhitespace));
}
