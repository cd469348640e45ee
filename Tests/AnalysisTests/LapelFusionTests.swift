import Foundation
import MediaCore
import Testing
@testable import Analysis

/// Teacher identification with a lapel microphone, and the pause rule between turns.
@Suite struct LapelFusionTests {
    @Test func otsuSplitsTwoGroupsAndRefusesOne() throws {
        // Students near 0 dB, the wearer near 20 dB.
        let values: [Float] = [-2, 1, 0.5, -1, 19, 22, 18, 21]
        let th = try #require(LapelFusion.threshold(values, weights: Array(repeating: 1, count: 8)))
        #expect(th > 1 && th < 18)
        // One speaker only: no threshold, the caller falls back.
        #expect(LapelFusion.threshold([18, 19, 21, 22, 20], weights: [1, 1, 1, 1, 1]) == nil)
        #expect(LapelFusion.threshold([5], weights: [1]) == nil)
        // NaN values and zero weights are ignored.
        #expect(LapelFusion.threshold([.nan, 0, 20], weights: [5, 1, 1]) != nil)
        #expect(LapelFusion.threshold([0, 20, 40], weights: [1, 0, 1]).map { $0 > 0 && $0 < 40 } == true)
    }

    @Test func pausesTakeTheSpeakerOnBothSidesOrBecomeSilence() {
        typealias Turn = SpeakerClustering.Turn
        // Speech blocks 0..<20; turns [0,5) T, [7,10) T, [12,20) S; pauses 5..<7 and 10..<12.
        let path = [AcousticClass](repeating: .speech, count: 20)
        var labels = [Label](repeating: .student, count: 20)
        let turns = [Turn(start: 0, end: 5, cluster: 0), Turn(start: 7, end: 10, cluster: 0), Turn(start: 12, end: 20, cluster: 1)]
        for t in turns where t.cluster == 0 { for b in t.start..<t.end { labels[b] = .teacher } }
        VoiceAnalyzer.labelPauses(&labels, path: path, turns: turns, isTeacher: { $0.cluster == 0 })
        #expect(labels[5..<7].allSatisfy { $0 == .teacher })
        #expect(labels[10..<12].allSatisfy { $0 == .silence })
        #expect(labels[12..<20].allSatisfy { $0 == .student })
    }

    /// An 80 s scene: every 16 s the teacher talks 5 s (quiet in the room, loud on the lapel), then a
    /// louder student talks 9 s (far from the lapel). `lapelDeadAfter`: the lapel hears only its own
    /// hiss from then on (switched off). Returns the result and the true teacher seconds.
    static func scene(lapelDeadAfter: Int? = nil) -> (VoiceResult, Double) {
        let seconds = 80
        var room = VoiceAnalyzerTests.noise(count: 16000 * seconds, rms: 0.002)
        var lapel = VoiceAnalyzerTests.noise(count: 16000 * seconds, rms: 0.0005, seed: 9)
        let teacher = VoiceAnalyzerTests.voice(seconds: 5, hz: 120, level: 0.05)
        let student = VoiceAnalyzerTests.voice(seconds: 9, hz: 230, level: 0.12)
        var truthTeacher = 0.0
        let dead = 16000 * (lapelDeadAfter ?? seconds)
        for start in stride(from: 1, to: seconds - 16, by: 16) {
            for i in teacher.indices {
                let k = 16000 * start + i
                room[k] += teacher[i]
                if k < dead { lapel[k] += 6 * teacher[i] }          // close to the lapel
            }
            for i in student.indices {
                let k = 16000 * (start + 6) + i
                room[k] += student[i]
                if k < dead { lapel[k] += 0.25 * student[i] }       // far from it
            }
            truthTeacher += 5
        }
        let analyzer = VoiceAnalyzer()
        room.withUnsafeBufferPointer { r in
            lapel.withUnsafeBufferPointer { l in
                for k in 0..<seconds {
                    let range = (16000 * k)..<(16000 * (k + 1))
                    analyzer.consume(UnsafeBufferPointer(rebasing: r[range]))
                    analyzer.consumeTeacherTrack(UnsafeBufferPointer(rebasing: l[range]))
                }
            }
        }
        return (analyzer.finish(durationSeconds: Double(seconds)), truthTeacher)
    }

    /// A louder, longer-talking student in the room would be taken for the teacher from one
    /// microphone; the lapel track says who wears it.
    @Test func lapelTrackFindsTheTeacherWhenAStudentDominatesTheRoom() {
        let (result, truthTeacher) = Self.scene()
        let teacherSeconds = result.timeline.filter { $0.label == .teacher }.reduce(0) { $0 + $1.duration }
        let studentSeconds = result.timeline.filter { $0.label == .student }.reduce(0) { $0 + $1.duration }
        // Within 20 % of the truth (voice onsets and the synthetic syllable gaps blur the edges).
        #expect(abs(teacherSeconds - truthTeacher) < 0.2 * truthTeacher, "teacher \(teacherSeconds) s of \(truthTeacher)")
        #expect(studentSeconds > teacherSeconds, "student \(studentSeconds) s")
        // Teacher stretches sit where the teacher spoke.
        for s in result.timeline where s.label == .teacher {
            let local = s.start.truncatingRemainder(dividingBy: 16)
            #expect(local >= 0.5 && local < 6.5, "teacher segment at \(s.start)")
        }
        #expect(result.notes.contains(VoiceAnalyzer.lapelNote))
    }

    /// The lapel is switched off half way: the turns it no longer hears keep the speaker found while it
    /// was on, instead of all becoming students.
    @Test func aLapelSwitchedOffHalfWayIsNoEvidence() {
        let (result, truthTeacher) = Self.scene(lapelDeadAfter: 40)
        let teacherLate = result.timeline.filter { $0.label == .teacher && $0.start >= 40 }.reduce(0) { $0 + $1.duration }
        // The teacher's turn after 40 s: 49-54 s.
        #expect(teacherLate > 3.5, "teacher after the lapel died: \(teacherLate) s; \(result.timeline)")
        let teacherSeconds = result.timeline.filter { $0.label == .teacher }.reduce(0) { $0 + $1.duration }
        #expect(abs(teacherSeconds - truthTeacher) < 0.2 * truthTeacher, "teacher \(teacherSeconds) s of \(truthTeacher)")
    }
}
