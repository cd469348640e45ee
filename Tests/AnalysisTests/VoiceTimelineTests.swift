import MediaCore
import Testing
@testable import Analysis

/// The block-label state machine and the merge rule, with symbolic inputs (no audio).
@Suite struct VoiceTimelineTests {
    /// "T" teacher, "S" student, "M" multi, "." silence, "m" media; one character per 100 ms block.
    static func labels(_ s: String) -> [Label] {
        s.map { c -> Label in
            switch c {
            case "T": return .teacher
            case "S": return .student
            case "M": return .multi
            case "m": return .media
            default: return .silence
            }
        }
    }

    static func render(_ segs: [Segment]) -> String {
        segs.map { "\($0.label.rawValue.prefix(1))\(Int(($0.duration * 10).rounded()))" }.joined(separator: " ")
    }

    @Test func segmentsCoverDurationContiguously() {
        let segs = VoiceTimeline.segments(labels: Self.labels("TTT..SS"), blockSeconds: 0.1, duration: 0.75)
        #expect(segs.first?.start == 0)
        #expect(segs.last?.end == 0.75)
        for (a, b) in zip(segs, segs.dropFirst()) { #expect(a.end == b.start) }
        #expect(Self.render(segs) == "t3 s2 s3" || Self.render(segs) == "t3 s2 s2")
    }

    @Test func emptyLabelsGiveOneSilenceSegment() {
        let segs = VoiceTimeline.segments(labels: [], blockSeconds: 0.1, duration: 5)
        #expect(segs == [Segment(start: 0, end: 5, label: .silence)])
    }

    @Test(arguments: [
        // short pause between two teacher stretches is absorbed
        ("TTTTT..........TTTTT", "t20"),
        // a 1.5 s pause is not (rule: shorter than 1.5 s)
        ("TTTTT...............TTTTT", "t5 s15 t5"),
        // a student turn in between is never absorbed
        ("TTTTTSSSSSTTTTT", "t5 s5 t5"),
        // silence between different labels stays
        ("TTTTT.....SSSSS", "t5 s5 s5"),
        // chains merge left to right
        ("TT...TT...TT", "t12"),
        ("MMMM....MMMM..mmmm", "m12 s2 m4"),
    ])
    func mergeRule(_ input: String, _ expected: String) {
        let segs = VoiceTimeline.segments(labels: Self.labels(input), blockSeconds: 0.1,
                                          duration: Double(input.count) / 10)
        let merged = VoiceTimeline.merge(segs, gapSeconds: 1.5)
        #expect(Self.render(merged) == expected)
        #expect(merged.first?.start == 0)
        #expect(abs((merged.last?.end ?? 0) - Double(input.count) / 10) < 1e-9)
    }

    @Test func viterbiIgnoresOneBlockBlips() {
        // Costs favouring class 1 everywhere except one block that mildly favours class 0.
        var costs = [SIMD4<Float>](repeating: SIMD4(3, 0, 3, 3), count: 20)
        costs[10] = SIMD4(0, 2, 3, 3)
        let path = VoiceClassifier.viterbi(costs, switchPenalty: 6)
        #expect(path.allSatisfy { $0 == .speech })
    }

    @Test func viterbiFollowsSustainedChange() {
        var costs = [SIMD4<Float>](repeating: SIMD4(3, 0, 3, 3), count: 40)
        for i in 20..<40 { costs[i] = SIMD4(0, 3, 3, 3) }
        let path = VoiceClassifier.viterbi(costs, switchPenalty: 6)
        #expect(path[..<20].allSatisfy { $0 == .speech })
        #expect(path[20...].allSatisfy { $0 == .silence })
    }
}
