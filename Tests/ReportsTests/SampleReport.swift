import MediaCore

/// A realistic 45-minute lesson report built by hand (Reports cannot use Analysis), deterministic.
enum SampleReport {
    static func make(title: String = "光合作用：光反应与暗反应", file: String = "高一生物-光合作用-2026-03-12.mp4") -> Report {
        // Activity plan of the lesson: (label pattern, seconds).
        var segs: [Segment] = []
        var t = 0.0
        func add(_ l: Label, _ d: Double) { segs.append(Segment(start: t, end: t + d, label: l)); t += d }
        var rng: UInt64 = 42
        func rand(_ lo: Double, _ hi: Double) -> Double {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return lo + Double(rng >> 11) / Double(1 << 53) * (hi - lo)
        }
        add(.silence, 8)
        while t < 560 { add(.teacher, rand(25, 70)); add(.silence, rand(1.6, 4)) }
        var risingEnds: [Double] = []
        while t < 1080 {
            add(.teacher, rand(6, 18))
            if rand(0, 1) < 0.2 { risingEnds.append(t); add(.silence, rand(2, 4)); continue }
            add(.silence, rand(0.4, 4.5)); add(.student, rand(3, 12))
        }
        add(.silence, 1500 - t)
        add(.teacher, 20)
        add(.multi, 380)
        add(.teacher, 30)
        add(.media, 150)
        while t < 2350 { add(.teacher, rand(8, 20)); add(.silence, rand(0.6, 2.5)); add(.student, rand(4, 10)) }
        add(.teacher, 2700 - t)
        let duration = 2700.0

        var talk = TalkSummary()
        for s in segs {
            switch s.label {
            case .teacher: talk.teacherSeconds += s.duration
            case .student: talk.studentSeconds += s.duration
            case .multi: talk.multiSeconds += s.duration
            case .silence: talk.silenceSeconds += s.duration
            case .media: talk.mediaSeconds += s.duration
            }
        }
        talk.teacherRatio = talk.teacherSeconds / duration
        talk.studentRatio = (talk.studentSeconds + talk.multiSeconds) / duration
        talk.multiRatio = talk.multiSeconds / duration
        talk.silenceRatio = talk.silenceSeconds / duration
        talk.mediaRatio = talk.mediaSeconds / duration
        talk.teacherShareOfTalk = talk.teacherSeconds / (talk.teacherSeconds + talk.studentSeconds + talk.multiSeconds)

        // S-T by window majority.
        var seq = ""
        var curve = [STPoint(t: 0, s: 0)]
        for k in 0..<90 {
            let w = TimeRange(start: Double(k) * 30, end: Double(k + 1) * 30)
            let tSec = segs.filter(\.label.isTeacherBehaviour).map { TimeRange(start: $0.start, end: $0.end).overlap(with: w) }.reduce(0, +)
            let isT = tSec >= 15
            seq += isT ? "T" : "S"
            let last = curve.last!
            curve.append(isT ? STPoint(t: last.t + 1, s: last.s) : STPoint(t: last.t, s: last.s + 1))
        }
        var runs = 0
        var prev: Character?
        for c in seq where c != prev { runs += 1; prev = c }
        let nT = seq.filter { $0 == "T" }.count
        let rt = Double(nT) / 90, ch = Double(runs - 1) / 90
        let mode: STMode = rt >= 0.7 ? .lecture : rt <= 0.3 ? .practice : ch >= 0.4 ? .dialogue : .mixed
        let st = STSummary(intervalSeconds: 30, rule: .known(.windowMajority), sequence: seq, rt: rt, ch: ch, mode: .known(mode),
                           n: 90, runs: runs, curve: curve)

        var ia = InteractionSummary()
        for i in segs.indices where segs[i].label == .teacher && i + 2 < segs.count {
            if segs[i + 1].label == .silence && segs[i + 2].label == .student {
                ia.questions.append(Question(time: segs[i].end, waitSeconds: segs[i + 1].duration,
                                             utteranceStart: segs[i].start, answerStart: segs[i + 2].start, risingPitch: false))
            } else if risingEnds.contains(segs[i].end) {
                ia.questions.append(Question(time: segs[i].end, waitSeconds: nil, utteranceStart: segs[i].start, risingPitch: true))
            }
        }
        let waits = ia.questions.compactMap(\.waitSeconds).sorted()
        ia.answeredQuestions = waits.count
        ia.turnExchanges = waits.count
        ia.medianWaitSeconds = waits.count % 2 == 1 ? waits[waits.count / 2] : (waits[waits.count / 2 - 1] + waits[waits.count / 2]) / 2
        let edges: [Double] = [0, 1, 2, 3, 5]
        ia.waitHistogram = edges.indices.map { k in
            let hi = k + 1 < edges.count ? edges[k + 1] : Double.infinity
            return HistogramBin(from: edges[k], to: k + 1 < edges.count ? edges[k + 1] : nil,
                                count: waits.filter { $0 >= edges[k] && $0 < hi }.count)
        }

        let phases = [
            Phase(start: 0, end: 560, kind: .lecture), Phase(start: 560, end: 1080, kind: .qa),
            Phase(start: 1080, end: 1500, kind: .seatwork), Phase(start: 1500, end: 1900, kind: .discussion),
            Phase(start: 1900, end: 1930, kind: .lecture), Phase(start: 1930, end: 2080, kind: .media),
            Phase(start: 2080, end: 2350, kind: .qa), Phase(start: 2350, end: 2700, kind: .lecture),
        ]
        let microLessons = [
            MicroLesson(index: 1, start: 0, end: 560, title: "导入：植物如何获得能量", clip: "clips/01-导入.mp4", thumbnail: "thumbs/01.jpg"),
            MicroLesson(index: 2, start: 560, end: 1500, title: "光反应：叶绿素与 ATP", clip: "clips/02-light-reactions.mp4"),
            MicroLesson(index: 3, start: 1500, end: 2350, title: "暗反应（卡尔文循环）", clip: "clips/03-calvin-cycle.mp4"),
            MicroLesson(index: 4, start: 2350, end: 2700, title: "总结与作业", clip: nil),
        ]
        let shortWaits = ia.questions.filter { ($0.waitSeconds ?? 99) < 3 }
        let findings = [
            Finding(code: .shortWaitTime, severity: .warning,
                    message: "Median wait time after a question was \(String(format1(ia.medianWaitSeconds!))) s (recommended at least 3.0 s); \(shortWaits.count) of \(waits.count) answered questions had a shorter wait.",
                    values: ["medianWaitSeconds": ia.medianWaitSeconds!, "threshold": 3, "shortWaits": Double(shortWaits.count),
                             "answeredQuestions": Double(waits.count)],
                    moments: shortWaits.prefix(10).map { TimeRange(start: $0.utteranceStart!, end: $0.answerStart!) }),
            Finding(code: .longMonologue, severity: .warning,
                    message: "1 stretch(es) of uninterrupted teacher talk of at least 5.0 min; the longest lasted 9.2 min.",
                    values: ["count": 1, "longestSeconds": 552, "threshold": 300], moments: [TimeRange(start: 8, end: 560)]),
            Finding(code: .longSilence, severity: .info,
                    message: "1 silence(s) of at least 2.0 min (longest 7.0 min); fine for planned seatwork, otherwise check the pacing.",
                    values: ["count": 1, "longestSeconds": 420, "threshold": 120], moments: [TimeRange(start: 1080, end: 1500)]),
            Finding(code: .other("custom-pipeline-note"), severity: .info, message: "A finding code the report does not know <b>yet</b>."),
        ]
        let recording = RecordingSummary(
            id: "3f9a1c0d5e7b2a64", file: file, path: "/data/lessons/\(file)",
            sha256: "3f9a1c0d5e7b2a64" + String(repeating: "0", count: 48), sizeBytes: 734_003_200, durationSeconds: duration,
            startSeconds: 0, container: "mov,mp4,m4a,3gp,3g2,mj2",
            video: VideoInfo(codec: "h264", width: 1280, height: 720, fps: 25),
            audio: AudioInfo(codec: "aac", sampleRate: 48000, channels: 2))
        return Report(
            generator: "lessonlens 0.1.0", generatedAt: "2026-11-29T10:00:00Z", language: .known(.zh), recording: recording,
            lesson: LessonMeta(title: title, teacher: "王老师", subject: "生物", date: "2026-03-12", school: "第一中学",
                               knowledgePoints: [KnowledgePoint(title: "光反应"), KnowledgePoint(title: "暗反应")]),
            pipeline: PipelineSummary(name: "default", parameters: ["stIntervalSeconds": .number(30), "stRule": .text("window-majority")]),
            timeline: segs, talk: talk, st: st, interaction: ia, phases: phases,
            slides: SlidesSummary(changes: [12, 95.5, 300, 560, 900, 1500, 1930, 2350]),
            microLessons: microLessons, findings: findings,
            notes: ["Questions are detected acoustically, without speech recognition (a heuristic).",
                    "Activity phases are a heuristic (sliding-window label mix with Viterbi smoothing)."])
    }

    static func format1(_ x: Double) -> String { String((x * 10).rounded() / 10) }
}
