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

        Assert.Equal(["pc", "q35", "virt"], catalog.Machines.Select(m => m.Name).Order(StringComparer.Ordinal));
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

    [Fact]
    public void ModelsDirectory_EveryJsonFile_IsLoadedByATest()
    {
        // The catalog files are loaded by LoadDirectory_RepositoryModels_EqualsEmbeddedCatalog; the libvirt
        // adapter's facts by the CLI test of 'libvirt expand' (DevAddr.Cli.Tests) and here as plain JSON.
        string[] adapterFiles = ["libvirt-xml.json"];
        var files = Directory.GetFiles(RepoPaths.Models, "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepoPaths.Models, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal).ToList();

        Assert.Equal(DeviceCatalog.FileNames.Concat(adapterFiles).Order(StringComparer.Ordinal), files);
        foreach (var f in adapterFiles)
        {
            var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Models, f)))!.AsObject();
            Assert.NotEmpty(doc);
        }
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
        c.UsbCategoryOrder,
    });

    private static TempDirectory CopyOfModels()
    {
        var dir = new TempDirectory();
        foreach (var name in DeviceCatalog.FileNames)
            File.Copy(Path.Combine(RepoPaths.Models, name), Path.Combine(dir.Path, name));
        return dir;
    }
}
