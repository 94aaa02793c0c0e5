using System.Reflection;
using System.Text.Json.Serialization;
using System.Xml.Linq;
using DevAddr.Core.Catalog;
using DevAddr.Core.Hotplug;
using DevAddr.Core.Model;
using DevAddr.Libvirt;

namespace DevAddr.Native.Tests;

/// <summary>
/// src/DevAddr.Native/rd.xml must name the converter of every small positional record of the JSON model (requests,
/// plans, hotplug device lists and reports, the model files): NativeAOT cannot create those generic instantiations at
/// run time, and the C API would answer internal-error for them. This derives the list from the model, as
/// System.Text.Json's reflection resolver picks constructors.
/// </summary>
public sealed class RdXmlTests
{
    private const string Converter = "System.Text.Json.Serialization.Converters.SmallObjectWithParameterizedConstructorConverter`5";

    [Fact]
    public void RdXml_CoversEveryModelRecord()
    {
        var expected = ModelTypes().Select(RequiredInstantiation).OfType<string>().Order(StringComparer.Ordinal).ToList();
        var doc = XDocument.Load(Path.Combine(RepoPaths.Root, "src", "DevAddr.Native", "rd.xml"));
        var listed = doc.Descendants().Where(e => e.Name.LocalName == "Type")
            .Select(e => (string)e.Attribute("Name")!).Order(StringComparer.Ordinal).ToList();

        Assert.True(expected.SequenceEqual(listed),
            "rd.xml is out of date with the model; its <Assembly Name=\"System.Text.Json\"> should hold exactly:\n" +
            string.Join("\n", expected.Select(n => $"      <Type Name=\"{n}\" Dynamic=\"Required All\" />")));
        Assert.NotEmpty(expected);
    }

    /// <summary>
    /// Every Core and Libvirt type the JSON documents (requests, plans, hotplug device lists and reports) and the
    /// model files (catalog, hotplug facts, libvirt XML facts) reach, from their roots.
    /// </summary>
    private static IEnumerable<Type> ModelTypes()
    {
        var core = typeof(PlanRequest).Assembly;
        var libvirt = typeof(LibvirtHotplug).Assembly;
        var roots = new List<Type>
        {
            typeof(PlanRequest), typeof(Plan), typeof(PlanError), typeof(PolicySpec), typeof(HotplugReport),
            core.GetType("DevAddr.Core.Hotplug.HotplugFacts", throwOnError: true)!,
            libvirt.GetType("DevAddr.Libvirt.LibvirtXmlFacts", throwOnError: true)!,
        };
        roots.AddRange(typeof(DeviceCatalog).GetNestedTypes(BindingFlags.NonPublic | BindingFlags.Public));
        var seen = new HashSet<Type>();
        var queue = new Queue<Type>(roots);
        while (queue.TryDequeue(out var type))
        {
            if (!seen.Add(type)) continue;
            if (type.IsGenericType)
                foreach (var arg in type.GetGenericArguments()) queue.Enqueue(arg);
            if (type.IsArray) queue.Enqueue(type.GetElementType()!);
            if (type.Assembly != core && type.Assembly != libvirt) continue;
            foreach (var derived in type.GetCustomAttributes<JsonDerivedTypeAttribute>()) queue.Enqueue(derived.DerivedType);
            foreach (var p in type.GetProperties(BindingFlags.Instance | BindingFlags.Public))
                if (p.GetCustomAttribute<JsonIgnoreAttribute>() is not { Condition: JsonIgnoreCondition.Always })
                    queue.Enqueue(p.PropertyType);
        }
        return seen.Where(t => (t.Assembly == core || t.Assembly == libvirt) && t.IsClass && !t.IsAbstract);
    }

    /// <summary>The rd.xml type name a record needs, or null (no constructor parameters, or none of value type, or more than 4).</summary>
    private static string? RequiredInstantiation(Type type)
    {
        var publicCtors = type.GetConstructors(BindingFlags.Instance | BindingFlags.Public);
        var ctor = type.GetConstructors(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
                       .FirstOrDefault(c => c.GetCustomAttribute<JsonConstructorAttribute>() is not null)
                   ?? (publicCtors.Any(c => c.GetParameters().Length == 0) ? null
                       : publicCtors.Length == 1 ? publicCtors[0] : null);
        var parameters = ctor?.GetParameters() ?? [];
        if (parameters.Length is 0 or > 4 || !parameters.Any(p => p.ParameterType.IsValueType))
            return null;
        var args = new[] { type }.Concat(parameters.Select(p => p.ParameterType))
            .Concat(Enumerable.Repeat(typeof(object), 4 - parameters.Length));
        return $"{Converter}[{string.Join(",", args.Select(Name))}]";
    }

    /// <summary>A type argument as rd.xml spells it: <c>[Full.Name,Assembly]</c>, generic arguments likewise.</summary>
    private static string Name(Type t)
    {
        string name = t.IsGenericType
            ? $"{t.GetGenericTypeDefinition().FullName}[{string.Join(",", t.GetGenericArguments().Select(Name))}]"
            : t.FullName!;
        return $"[{name},{t.Assembly.GetName().Name}]";
    }
}
