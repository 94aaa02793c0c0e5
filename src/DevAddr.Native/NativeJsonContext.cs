using System.Text.Json.Serialization;
using DevAddr.Core.Catalog;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;

namespace DevAddr.Native;

/// <summary>The <c>{"error": {...}}</c> object every C function returns on failure.</summary>
/// <param name="Error">The error.</param>
internal sealed record ErrorEnvelope(PlanError Error);

/// <summary>
/// Source-generated JSON code for every type the C API reads or writes and for the catalog's public records. It is
/// not what reads requests: its metadata sets init-only members that a document omits to null or 0 instead of
/// keeping their defaults (dotnet/runtime#84484), while Core relies on those defaults (a request without
/// <c>policy</c> gets the libvirt policy). It is compiled in for the generic instantiations over value types its
/// code makes (<c>JsonPropertyInfo&lt;int?&gt;</c>, <c>NullableConverter&lt;bool&gt;</c>, ...): those let Core's
/// reflection-based serializer run under NativeAOT, which cannot create them at run time.
/// <see cref="LibraryHost"/> puts it behind the reflection resolver, which answers for every type.
/// </summary>
[JsonSerializable(typeof(PlanRequest))]
[JsonSerializable(typeof(Plan))]
[JsonSerializable(typeof(PlanError))]
[JsonSerializable(typeof(IReadOnlyList<PlanError>))]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(HotplugReport))]
[JsonSerializable(typeof(IReadOnlyList<Device>))]
[JsonSerializable(typeof(IReadOnlyList<MachineType>))]
[JsonSerializable(typeof(IReadOnlyList<PciControllerModel>))]
[JsonSerializable(typeof(IReadOnlyList<DeviceModelRule>))]
[JsonSerializable(typeof(IReadOnlyList<LibvirtRules>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class NativeJsonContext : JsonSerializerContext;
