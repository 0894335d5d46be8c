using PredictionCache.Benchmarks;

return await BenchmarkProgram.RunAsync(args);
