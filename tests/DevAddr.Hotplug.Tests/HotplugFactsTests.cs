using System.Text.Json;
using DevAddr.Core.Catalog;
using DevAddr.Core.Hotplug;

namespace DevAddr.Hotplug.Tests;

/// <summary>models/hotplug.json: matches its schema, loads, and the embedded copy is the file.</summary>
public sealed class HotplugFactsTests
{
    private static string FilePath => Path.Combine(RepoPaths.Models, HotplugFacts.FileName);

    [Fact]
    public void HotplugJson_File_MatchesItsSchema()
    {
        var schema = Json.Schema.JsonSchema.FromText(File.ReadAllText(Path.Combine(RepoPaths.Models, "schema", "hotplug.schema.json")),
            new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });
        using var doc = JsonDocument.Parse(File.ReadAllText(FilePath));

        var result = schema.Evaluate(doc.RootElement, new Json.Schema.EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });

        Assert.True(result.IsValid);
    }

    [Fact]
    public void Parse_RepositoryFile_EqualsTheEmbeddedFacts()
    {
        var fromFile = HotplugFacts.Parse(File.ReadAllText(FilePath), FilePath);

        Assert.Equal(JsonSerializer.Serialize(HotplugFacts.Default), JsonSerializer.Serialize(fromFile));
        Assert.Contains(fromFile.FirmwareProfiles, p => p.Name == HotplugOptions.DefaultFirmware);
    }

    [Theory]
    [InlineData("\"layer\": \"libvirt\", \"message\": \"live attach of device '{kind}' is not supported\"", "\"layer\": \"kernel\", \"message\": \"x\"", "unknown layer")]
    [InlineData("\"port\": { \"io\": \"4K\"", "\"port\": { \"io\": \"4 KiB\"", "is not a size")]
    [InlineData("\"name\": \"generic\"", "\"name\": \"other\"", "default profile 'generic' is missing")]
    [InlineData("\"bus\": \"scsi\", \"model\": \"ibmvscsi\"", "\"bus\": \"isa\", \"model\": \"ibmvscsi\"", "unknown bus 'isa'")]
    [InlineData("\"bus\": \"scsi\", \"model\": \"ibmvscsi\"", "\"bus\": \"scsi\"", "a scsi bus rule needs the controller model")]
    [InlineData("{ \"kind\": \"*\" }\n  ],\n  \"zpciRollback\"", "{ \"kind\": \"watchdog\" }\n  ],\n  \"zpciRollback\"", "the last rule must match every kind")]
    public void Parse_BrokenCopy_ThrowsCatalogExceptionNamingTheProblem(string from, string to, string message)
    {
        string text = File.ReadAllText(FilePath);
        Assert.Contains(from, text, StringComparison.Ordinal);

        var ex = Assert.Throws<CatalogException>(() => HotplugFacts.Parse(text.Replace(from, to, StringComparison.Ordinal), "copy.json"));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LiveRules_EveryReasonCode_HasADescription()
    {
        var codes = typeof(HotplugReasons).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetValue(null)!).Order(StringComparer.Ordinal);

        Assert.Equal(codes, HotplugReasons.All.Select(r => r.Code));
    }
}
