using System.Runtime.CompilerServices;

// The what-if engine is internal to the CLI; its tests drive the root command and the engine's parsers directly.
[assembly: InternalsVisibleTo("DevAddr.Whatif.Tests")]
