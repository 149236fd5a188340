using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// In process: the benchmarks run against this build's output, where the patched libLibTorchSharp.so is
// (BenchmarkDotNet's default toolchain would build and run a separate project without the patch).
var config = DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsDefault());
BenchmarkSwitcher.FromAssembly(typeof(Mtlds.Benchmarks.SortingBenchmarks).Assembly).Run(args, config);
