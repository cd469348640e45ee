@testable import Pipeline
import Testing

@Suite("Worker idle polling: doubling pause with a cap and jitter")
struct WorkerPollTests {
    @Test("the pause doubles per empty claim from pollSeconds, stops at maxPollSeconds, jitter stays in [0.75, 1.25)")
    func pauses() {
        // Jitter 0.5 is the midpoint: factor exactly 1.
        let mid = (1...8).map { QueueWorker.idlePause(emptyClaims: $0, poll: 0.25, max: 2, jitter: 0.5) }
        #expect(mid == [0.25, 0.5, 1, 2, 2, 2, 2, 2])
        #expect(QueueWorker.idlePause(emptyClaims: 1, poll: 0.25, max: 2, jitter: 0) == 0.1875)
        #expect(QueueWorker.idlePause(emptyClaims: 9, poll: 0.25, max: 2, jitter: 0.999_999) < 2.5)
        // Huge counts do not overflow; a cap below the first pause keeps the first pause.
        #expect(QueueWorker.idlePause(emptyClaims: 10_000, poll: 0.25, max: 2, jitter: 0.5) == 2)
        #expect(QueueWorker.idlePause(emptyClaims: 5, poll: 1, max: 0.5, jitter: 0.5) == 1)
        // Idle for a minute with the defaults: 33 claims at mean jitter (4 in the first 3.75 s, then one per 2 s),
        // 43 at the shortest jitter, where a fixed 0.25 s poll makes 240.
        for (jitter, expected) in [(0.5, 33), (0.0, 43)] {
            var t = 0.0, claims = 0
            while t < 60 { claims += 1; t += QueueWorker.idlePause(emptyClaims: claims, poll: 0.25, max: 2, jitter: jitter) }
            #expect(claims == expected, "jitter \(jitter)")
        }
    }
}
