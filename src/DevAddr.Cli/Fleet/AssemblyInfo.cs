using System.Runtime.CompilerServices;

// The fleet engine is internal to the CLI; its own tests and the benchmarks drive it directly.
[assembly: InternalsVisibleTo("DevAddr.Fleet.Tests")]
[assembly: InternalsVisibleTo("DevAddr.Benchmarks")]
