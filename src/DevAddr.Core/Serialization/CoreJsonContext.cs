using System.Text.Json.Serialization;
using DevAddr.Core.Catalog;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;

namespace DevAddr.Core.Serialization;

/// <summary>
/// Compile-time JSON metadata of every document Core reads or writes: requests, plans, errors, host topologies,
/// hotplug, unplug and mapping reports, and the catalog files under <c>models/</c>. It is the type information
/// behind <see cref="PlanJson.Options"/> and the catalog's options, so no document is read or written through
/// reflection (the native <c>devaddr</c> binary and <c>libdevaddr.so</c> run the same code as the managed build).
/// The options themselves (naming, indentation, unknown members, ...) stay those of the options it serves; the
/// metadata carries what the types declare (property order, ignore conditions, polymorphic addresses). Generated
/// metadata sets an <c>init</c> member that a document leaves out to null or 0, not to its initializer's value: a
/// member with a default takes it from an optional constructor parameter (the request records) or is
/// <c>{ get; set; }</c> (the catalog records).
/// </summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(PlanRequest))]
[JsonSerializable(typeof(PolicySpec))]
[JsonSerializable(typeof(Plan))]
[JsonSerializable(typeof(PlanError))]
[JsonSerializable(typeof(IReadOnlyList<PlanError>))]
[JsonSerializable(typeof(HostTopology))]
[JsonSerializable(typeof(Device))]
[JsonSerializable(typeof(IReadOnlyList<Device>))]
[JsonSerializable(typeof(HotplugReport))]
[JsonSerializable(typeof(UnplugReport))]
[JsonSerializable(typeof(IReadOnlyList<HostMapping>))]
[JsonSerializable(typeof(DeviceCatalog.MachinesFile))]
[JsonSerializable(typeof(DeviceCatalog.PciControllersFile))]
[JsonSerializable(typeof(DeviceCatalog.DevicesFile))]
[JsonSerializable(typeof(DeviceCatalog.LibvirtVersionsFile))]
[JsonSerializable(typeof(HotplugFacts))]
internal sealed partial class CoreJsonContext : JsonSerializerContext;
