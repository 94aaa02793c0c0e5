using System.Text.Json.Nodes;
using DevAddr.Core.Catalog;

namespace DevAddr.Core.Tests;

/// <summary>Malformed copies of the catalog: each fails with a <see cref="CatalogException"/> naming the file and the JSON path.</summary>
public sealed partial class DeviceCatalogTests
{
    [Fact]
    public void LoadDirectory_BadJson_ThrowsNamingFileAndPath()
    {
        using var dir = CopyOfModels();
        string file = Path.Combine(dir.Path, "machines.json");
        string text = File.ReadAllText(file);
        File.WriteAllText(file, text[..(text.IndexOf("\"q35\"", StringComparison.Ordinal) + 5)] + " ,, }");

        var ex = Assert.Throws<CatalogException>(() => DeviceCatalog.LoadDirectory(dir.Path));

        Assert.Equal(file, ex.File);
        Assert.StartsWith("$.machines[1]", ex.JsonPath, StringComparison.Ordinal);
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_UnknownProperty_ThrowsNamingFileAndPath()
    {
        using var dir = CopyOfModels();
        string file = Edit(dir, "pci-controllers.json", root => root["controllers"]![2]!["slotz"] = 4);

        var ex = Assert.Throws<CatalogException>(() => DeviceCatalog.LoadDirectory(dir.Path));

        Assert.Equal(file, ex.File);
        Assert.Equal("$.controllers[2].slotz", ex.JsonPath);
        Assert.Contains("slotz", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_UnknownConnectType_ThrowsNamingFileAndPath()
    {
        using var dir = CopyOfModels();
        string file = Edit(dir, "pci-controllers.json", root => root["controllers"]![0]!["accepts"]!.AsArray().Add("pci-thing"));

        var ex = Assert.Throws<CatalogException>(() => DeviceCatalog.LoadDirectory(dir.Path));

        Assert.Equal(file, ex.File);
        Assert.Equal("$.controllers[0].accepts", ex.JsonPath);
        Assert.Contains("unknown connect type 'pci-thing'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_UnknownDeviceConnect_ThrowsNamingFileAndPath()
    {
        using var dir = CopyOfModels();
        string file = Edit(dir, "devices.json", root => root["models"]![1]!["connect"] = "pcix");

        var ex = Assert.Throws<CatalogException>(() => DeviceCatalog.LoadDirectory(dir.Path));

        Assert.Equal(file, ex.File);
        Assert.Equal("$.models[1].connect", ex.JsonPath);
        Assert.Contains("pcix", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_DuplicateMachine_ThrowsNamingFileAndPath()
    {
        using var dir = CopyOfModels();
        string file = Edit(dir, "machines.json", root =>
        {
            var machines = root["machines"]!.AsArray();
            machines.Add(machines[1]!.DeepClone());
        });

        var ex = Assert.Throws<CatalogException>(() => DeviceCatalog.LoadDirectory(dir.Path));

        Assert.Equal(file, ex.File);
        Assert.Equal($"$.machines[{DeviceCatalog.Default.Machines.Count}].name", ex.JsonPath);
        Assert.Contains("duplicate machine type 'q35' for architecture 'x86_64'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_MissingRequiredMember_ThrowsNamingFileAndPath()
    {
        using var dir = CopyOfModels();
        string file = Edit(dir, "machines.json", root => root["machines"]![0]!.AsObject().Remove("arches"));

        var ex = Assert.Throws<CatalogException>(() => DeviceCatalog.LoadDirectory(dir.Path));

        Assert.Equal(file, ex.File);
        Assert.Contains("arches", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_RootModelThatIsNoRoot_ThrowsNamingFileAndPath()
    {
        using var dir = CopyOfModels();
        string file = Edit(dir, "machines.json", root => root["machines"]![2]!["pciRoot"] = "pcie-root-port");

        var ex = Assert.Throws<CatalogException>(() => DeviceCatalog.LoadDirectory(dir.Path));

        Assert.Equal(file, ex.File);
        Assert.Equal("$.machines[2].pciRoot", ex.JsonPath);
    }

    [Fact]
    public void LoadDirectory_EmptyFile_ThrowsNamingTheFile()
    {
        using var dir = CopyOfModels();
        string file = Path.Combine(dir.Path, "devices.json");
        File.WriteAllText(file, "null");

        var ex = Assert.Throws<CatalogException>(() => DeviceCatalog.LoadDirectory(dir.Path));

        Assert.Equal(file, ex.File);
        Assert.Equal("$", ex.JsonPath);
    }

    private static string Edit(TempDirectory dir, string name, Action<JsonNode> edit)
    {
        string file = Path.Combine(dir.Path, name);
        var root = JsonNode.Parse(File.ReadAllText(file))!;
        edit(root);
        File.WriteAllText(file, root.ToJsonString());
        return file;
    }
}
