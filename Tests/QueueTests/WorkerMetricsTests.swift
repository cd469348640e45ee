@testable import Pipeline
import Testing

@Suite("Worker metrics: percentiles over a window")
struct WorkerMetricsTests {
    @Test("nearest-rank percentiles, lifetime mean and count, a window of the most recent samples")
    func samples() {
        var s = WorkerMetrics.Samples(window: 100)
        #expect(s.percentile(0.5) == nil && s.mean == nil)
        for v in 1...100 { s.add(Double(v)) }
        #expect(s.percentile(0.5) == 50 && s.percentile(0.95) == 95 && s.percentile(1) == 100 && s.percentile(0) == 1)
        #expect(s.mean == 50.5 && s.count == 100)
        for v in 1001...1050 { s.add(Double(v)) }
        // The window holds 51...100 and 1001...1050; count and sum cover all 150.
        #expect(s.count == 150 && s.recent.count == 100)
        #expect(s.percentile(0) == 51 && s.percentile(1) == 1050)
    }
}
