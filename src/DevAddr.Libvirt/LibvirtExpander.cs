using System.Text;
using DevAddr.Core;
using DevAddr.Core.Model;

namespace DevAddr.Libvirt;

/// <summary>Expands libvirt domain XML files the way libvirt's define + dumpxml does.</summary>
public static class LibvirtExpander
{
    /// <summary>Expands one domain XML text: the expanded XML, or an error message.</summary>
    public static (string? Xml, string? Error) Expand(string xmlText) => Expand(xmlText, r => AddressPlanner.Plan(r));

    /// <summary>Expands one domain XML text with the given planner (e.g. the optimizing policy with tunables).</summary>
    public static (string? Xml, string? Error) Expand(string xmlText, Func<PlanRequest, PlanResult> planner)
    {
        ArgumentNullException.ThrowIfNull(planner);
        DomainXml domain;
        try
        {
            domain = DomainXml.Parse(xmlText);
            DomainXmlChecks.CheckDomain(domain.Document.Root!);
        }
        catch (DomainXmlException ex)
        {
            return (null, ex.Message);
        }
        return planner(domain.Request) switch
        {
            PlanResult.Success s => (DomainXmlWriter.Write(domain, s.Plan), null),
            PlanResult.Failure f => (null, f.Error.Message),
            _ => throw new InvalidOperationException("unexpected plan result"),
        };
    }

    /// <summary>
    /// For every <c>inDir/*.xml</c> writes <c>outDir/NAME.xml</c> (the expanded domain XML) or
    /// <c>outDir/NAME.error</c> (the error message). Returns the number of cases processed.
    /// Each output file is written to a temporary name first and renamed, so no partial file is left.
    /// </summary>
    public static int ExpandDirectory(string inDir, string outDir) => ExpandDirectory(inDir, outDir, r => AddressPlanner.Plan(r));

    /// <summary>Like <see cref="ExpandDirectory(string, string)"/>, planning each domain with <paramref name="planner"/>.</summary>
    public static int ExpandDirectory(string inDir, string outDir, Func<PlanRequest, PlanResult> planner)
    {
        Directory.CreateDirectory(outDir);
        var files = Directory.GetFiles(inDir, "*.xml").OrderBy(f => f, StringComparer.Ordinal).ToList();
        foreach (var file in files)
        {
            string name = Path.GetFileNameWithoutExtension(file);
            string text;
            try
            {
                text = File.ReadAllText(file, new UTF8Encoding(false, true));
            }
            catch (DecoderFallbackException ex)
            {
                WriteResult(outDir, name, null, $"XML error: input is not valid UTF-8: {ex.Message}");
                continue;
            }
            var (xml, error) = Expand(text, planner);
            WriteResult(outDir, name, xml, error);
        }
        return files.Count;
    }

    private static void WriteResult(string outDir, string name, string? xml, string? error)
    {
        string xmlPath = Path.Combine(outDir, name + ".xml");
        string errPath = Path.Combine(outDir, name + ".error");
        File.Delete(xmlPath);
        File.Delete(errPath);
        string target = xml is not null ? xmlPath : errPath;
        string tmp = target + ".tmp";
        File.WriteAllText(tmp, xml ?? (error!.TrimEnd() + "\n"), new UTF8Encoding(false));
        File.Move(tmp, target, overwrite: true);
    }
}
