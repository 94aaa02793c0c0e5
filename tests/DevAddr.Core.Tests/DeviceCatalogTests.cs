using System.Text.Json;
using System.Text.Json.Nodes;
using DevAddr.Core.Catalog;

namespace DevAddr.Core.Tests;

/// <summary>The catalog in models/: the embedded copy, the directory loader, and what a malformed file reports.</summary>
public sealed partial class DeviceCatalogTests
{
    [Fact]
    public void Default_EmbeddedCatalog_HasTheMachinesAndModels()
    {
        var catalog = DeviceCatalog.Default;

        Assert.Equal(["pc", "pseries", "q35", "s390-ccw-virtio", "vexpress", "virt"], catalog.Machines.Select(m => m.Name).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(["aarch64", "armv7l", "riscv64"], catalog.Machines.Where(m => m.Name == "virt").SelectMany(m => m.Arches).Order(StringComparer.Ordinal));
        Assert.Equal("pseries", catalog.FindMachine("ppc64le", "pseries-7.2")!.Name);
        Assert.True(catalog.FindMachine("s390x", "s390-ccw-virtio-7.2")!.Ccw);
        Assert.Equal("piix3-uhci", catalog.FindMachine("armv7l", "virt")!.UsbModelWhenUnset);
        Assert.Equal("pcie-root", catalog.FindMachine("x86_64", "pc-q35-7.2")!.PciRoot);
        Assert.Equal("pci-root", catalog.FindMachine("i686", "pc-i440fx-7.2")!.PciRoot);
        Assert.Equal("virt", catalog.FindMachine("aarch64", "virt-7.2")!.Name);
        Assert.Null(catalog.FindMachine("aarch64", "q35"));
        Assert.True(catalog.FindPciController("pcie-root-port")!.AggregateSlot);
        Assert.True(catalog.FindPciController("pci-root")!.Root);
        Assert.NotEmpty(catalog.DeviceRules);
        Assert.Equal("virtio", catalog.Resolve("interface", null, null, "virtio")!.Connect);
        Assert.Equal("drive", catalog.Resolve("disk", "disk", "sata", null)!.Attach);
    }

    [Fact]
    public void LoadDirectory_RepositoryModels_EqualsEmbeddedCatalog()
    {
        var loaded = DeviceCatalog.LoadDirectory(RepoPaths.Models);

        Assert.Equal(Snapshot(DeviceCatalog.Default), Snapshot(loaded));
    }

    public static TheoryData<string> ModelFiles() =>
        new(Directory.GetFiles(RepoPaths.Models, "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepoPaths.Models, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal));

    /// <summary>
    /// Every JSON file under models/ is read here: the catalog files by <see cref="DeviceCatalog.LoadDirectory"/>
    /// (above), every file as JSON, checked against the schema its "$schema" member names, and every
    /// *.schema.json as a JSON Schema. (models/libvirt-xml.json is also loaded by the libvirt adapter in the
    /// CLI test of 'libvirt expand'.)
    /// </summary>
    [Theory]
    [MemberData(nameof(ModelFiles))]
    public void ModelsDirectory_JsonFile_ParsesAndMatchesItsSchema(string file)
    {
        string path = Path.Combine(RepoPaths.Models, file);
        string text = File.ReadAllText(path);
        var root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        Assert.NotEmpty(root);

        if (file.EndsWith(".schema.json", StringComparison.Ordinal))
        {
            _ = Json.Schema.JsonSchema.FromText(text, new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });
            return;
        }
        if (root["$schema"] is JsonValue schemaRef && !((string)schemaRef!).Contains("://", StringComparison.Ordinal))
        {
            // The catalog files name schemas under models/schema/ that are not all written yet; check those that are.
            string schemaPath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, (string)schemaRef!));
            if (!File.Exists(schemaPath)) return;
            var schema = Json.Schema.JsonSchema.FromText(File.ReadAllText(schemaPath), new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });
            Assert.Empty(Schemas.Errors(schema, root.ToJsonString()));
        }
    }

    [Fact]
    public void ModelsDirectory_CatalogFiles_AllPresent()
    {
        Assert.All(DeviceCatalog.FileNames, name => Assert.True(File.Exists(Path.Combine(RepoPaths.Models, name)), name));
    }

    [Fact]
    public void LoadDirectory_MissingFile_ThrowsNamingTheFile()
    {
        using var dir = CopyOfModels();
        File.Delete(Path.Combine(dir.Path, "devices.json"));

        var ex = Assert.Throws<CatalogException>(() => DeviceCatalog.LoadDirectory(dir.Path));

        Assert.Equal(Path.Combine(dir.Path, "devices.json"), ex.File);
        Assert.Equal("$", ex.JsonPath);
    }

    /// <summary>Every catalog value as JSON, to compare two catalogs.</summary>
    private static string Snapshot(DeviceCatalog c) => JsonSerializer.Serialize(new
    {
        c.Machines,
        c.PciControllers,
        c.DeviceRules,
        c.PciPassOrder,
        c.PlanOrder,
        c.LibvirtVersions,
    });

    private static TempDirectory CopyOfModels()
    {
        var dir = new TempDirectory();
        foreach (var name in DeviceCatalog.FileNames)
            File.Copy(Path.Combine(RepoPaths.Models, name), Path.Combine(dir.Path, name));
        return dir;
    }
}
