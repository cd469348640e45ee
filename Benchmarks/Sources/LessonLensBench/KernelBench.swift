func runKernelBenchmarks() {}
