using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/DevAddr.Benchmarks -- --filter '*' [--job short]
BenchmarkSwitcher.FromAssembly(typeof(DevAddr.Benchmarks.Guests).Assembly).Run(args);
