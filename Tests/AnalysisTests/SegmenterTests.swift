import Analysis
import MediaCore
import TestSupport
import Testing

@Suite struct SegmenterTests {
    /// A teacher lecture with a pause before each given time (a topic change).
    static func timeline(duration: Double, pausesBefore: [Double]) -> [Segment] {
        var out: [Segment] = []
        var t = 0.0
        for p in pausesBefore.sorted() {
            out.append(Segment(start: t, end: p - 3, label: .teacher))
            out.append(Segment(start: p - 3, end: p, label: .silence))
            t = p
        }
        out.append(Segment(start: t, end: duration, label: .teacher))
        return out
    }

    @Test func planOfNPointsGivesNLessonsAtTheTopicChanges() {
        let duration = 2700.0
        let topics = [120.0, 800, 1500, 2100]  // four points; intro before 120, summary after 2550
        let slides = [60.0, 120, 300, 500, 800, 950, 1200, 1500, 1700, 2100, 2300, 2550]
        let plan = (1...4).map { KnowledgePoint(title: "KP \($0)") }
        let lessons = Segmenter.segment(duration: duration, timeline: Self.timeline(duration: duration, pausesBefore: topics + [2550]),
                                        slideChanges: slides, plan: plan, config: SegmenterConfig())
        #expect(lessons.count == 4)
        #expect(lessons.map(\.title) == ["KP 1", "KP 2", "KP 3", "KP 4"])
        #expect(lessons.map(\.index) == [1, 2, 3, 4])
        for (l, t) in zip(lessons, topics) { #expect(abs(l.start - t) < 1, "lesson \(l.index) starts at \(l.start), want \(t)") }
        #expect(abs(lessons[3].end - 2550) < 1)
        for (a, b) in zip(lessons, lessons.dropFirst()) { #expect(a.end == b.start) }
        #expect(lessons.allSatisfy { $0.clip == nil && $0.thumbnail == nil })
    }

    @Test func planWithoutAnyCueStillGivesNContiguousLessons() {
        let plan = (1...3).map { KnowledgePoint(title: "P\($0)") }
        let lessons = Segmenter.segment(duration: 900, timeline: [], slideChanges: [], plan: plan, config: SegmenterConfig())
        #expect(lessons.count == 3)
        #expect(lessons.first!.start >= 0 && lessons.last!.end <= 900)
        for l in lessons { #expect(l.end - l.start > 150, "roughly equal parts when nothing else is known") }
    }

    @Test func withoutPlanTheCountFollowsTheCuesWithinLengthLimits() {
        let duration = 2700.0
        let topics = [600.0, 1300, 2000]
        let slides = topics + [200, 1000, 1700, 2400]
        var config = SegmenterConfig()
        config.minSeconds = 180
        config.maxSeconds = 900
        let lessons = Segmenter.segment(duration: duration, timeline: Self.timeline(duration: duration, pausesBefore: topics),
                                        slideChanges: slides, plan: nil, config: config)
        #expect(lessons.count == 4)
        #expect(lessons.map(\.title) == ["Part 1", "Part 2", "Part 3", "Part 4"])
        #expect(lessons.first?.start == 0 && lessons.last?.end == duration)
        for l in lessons { #expect(l.end - l.start >= 180 && l.end - l.start <= 900) }
        for (l, t) in zip(lessons.dropFirst(), topics) { #expect(abs(l.start - t) < 1) }
    }

    @Test(arguments: [600.0, 1800, 2700, 5400])
    func withoutPlanAndWithoutCuesLengthsStayWithinConstraints(duration: Double) {
        let lessons = Segmenter.segment(duration: duration, timeline: [], slideChanges: [], plan: nil, config: SegmenterConfig())
        #expect(!lessons.isEmpty)
        #expect(lessons.first?.start == 0 && lessons.last?.end == duration)
        for l in lessons { #expect(l.end - l.start >= 180 - 1e-9 && l.end - l.start <= 900 + 1e-9) }
    }

    /// Strong topic cues every 64 s (a recorder that captured several short lessons back to back):
    /// without a plan, no micro-lesson is shorter than `minSeconds` anyway.
    @Test func withoutPlanTheMinimumLengthIsHardEvenAgainstStrongCues() {
        let duration = 3000.0
        let topics = stride(from: 64.0, to: duration, by: 64).map { $0 }
        let slides = topics.flatMap { [$0, $0 + 20] }
        let lessons = Segmenter.segment(duration: duration, timeline: Self.timeline(duration: duration, pausesBefore: topics),
                                        slideChanges: slides, plan: nil, config: SegmenterConfig())
        #expect(lessons.count >= 4)
        #expect(lessons.first?.start == 0 && lessons.last?.end == duration)
        for l in lessons { #expect(l.end - l.start >= 180 - 1e-9, "\(l.start)-\(l.end)") }
    }

    @Test func shortLessonWithoutPlanIsOnePart() {
        let lessons = Segmenter.segment(duration: 200, timeline: [], slideChanges: [50, 100], plan: nil, config: SegmenterConfig())
        #expect(lessons.count == 1)
        #expect(lessons.first?.title == "Part 1")
    }

    @Test func audioOnlyUsesPausesAndActivityChanges() {
        // Teacher lecture, a long discussion, teacher again: boundaries where the activity changes.
        let timeline = [Segment(start: 0, end: 700, label: .teacher), Segment(start: 700, end: 705, label: .silence),
                        Segment(start: 705, end: 1300, label: .multi), Segment(start: 1300, end: 1306, label: .silence),
                        Segment(start: 1306, end: 2000, label: .teacher)]
        let lessons = Segmenter.segment(duration: 2000, timeline: timeline, slideChanges: [], plan: nil, config: SegmenterConfig())
        #expect(lessons.count == 3)
        if lessons.count == 3 {
            #expect(abs(lessons[1].start - 705) < 6)
            #expect(abs(lessons[2].start - 1306) < 6)
        }
    }

    @Test func emptyDurationGivesNothing() {
        #expect(Segmenter.segment(duration: 0, timeline: [], slideChanges: [], plan: nil, config: SegmenterConfig()).isEmpty)
    }
}

@Suite struct SegmentSlugTests {
    @Test(arguments: [
        ("Light reactions", "light-reactions"),
        ("光合作用：光反应", "光合作用-光反应"),
        ("../../etc/passwd", "etc-passwd"),
        ("a/b\\c", "a-b-c"),
        ("\"quoted\" 'title'", "quoted-title"),
        ("tab\tand\nnewline\u{0}nul", "tab-and-newline-nul"),
        ("  many    spaces  ", "many-spaces"),
        ("..", "untitled"),
        ("", "untitled"),
        ("🚀✨", "untitled"),
        ("Café Übung 2", "café-übung-2"),
        ("-leading-dash", "leading-dash"),
        ("x\u{202E}gpj.exe", "x-gpj-exe"),
    ])
    func slugs(input: String, expected: String) {
        #expect(Slug.make(input) == expected)
    }

    @Test func respectsMaxLengthWithoutTrailingSeparator() {
        let s = Slug.make("aaaa bbbb cccc dddd", maxLength: 10)
        #expect(s == "aaaa-bbbb")
        #expect(Slug.make(String(repeating: "长", count: 100)).count == 48)
        #expect(Slug.make("abc", maxLength: 0) == "a")
    }

    @Test func neverContainsUnsafeCharacters() {
        var r = SeededRNG(7)
        let alphabet = Array("abcXYZ 光合/\\:*?\"<>|.\u{0}\u{1F}\t\n'`$-_é🙂")
        for _ in 0..<500 {
            let title = String((0..<r.int(30)).map { _ in alphabet[r.int(alphabet.count)] })
            let s = Slug.make(title)
            #expect(!s.isEmpty && s.count <= 48)
            #expect(!s.contains { "/\\:*?\"<>|.\u{0}\u{1F}\t\n'`$ ".contains($0) })
            #expect(!s.hasPrefix("-") && !s.hasSuffix("-") && !s.contains("--"))
        }
    }
}
