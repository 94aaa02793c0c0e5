namespace DevAddr.Libvirt;

/// <summary>Expands libvirt domain XML files the way libvirt's define + dumpxml does.</summary>
public static class LibvirtExpander
{
    /// <summary>
    /// For every <c>inDir/*.xml</c> writes <c>outDir/NAME.xml</c> (the expanded domain XML) or
    /// <c>outDir/NAME.error</c> (the error message). Returns the number of cases processed.
    /// </summary>
    public static int ExpandDirectory(string inDir, string outDir)
    {
        throw new NotImplementedException("in progress");
    }
}
