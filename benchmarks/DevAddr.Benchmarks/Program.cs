using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/DevAddr.Benchmarks -- --filter '*' [--job short]
// dotnet run -c Release --project benchmarks/DevAddr.Benchmarks -- scsi-scale [SIZE...] [--runs N]
if (args.Length > 0 && args[0] == "scsi-scale")
    return DevAddr.Benchmarks.ScsiScale.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(DevAddr.Benchmarks.Guests).Assembly).Run(args);
return 0;
