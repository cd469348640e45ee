import Foundation
import Testing
import MediaCore
@testable import Reports

/// Method notes with typical values, and the English sentence each one had before notes were typed: the
/// sentences are report.json's `notes`, a contract, so they must stay character for character the same.
/// `PipelineTests/NoteCoverageTests` checks the notes the Analysis producers really write.
enum NoteFixtures {
    static let pairs: [(note: MethodNote, english: String)] = [
        (MethodNote(.voiceActivityModel), "Voice activity (learned model): Silero VAD 16 kHz (MIT licence, weights from the silero-vad package), run by LessonLens's own kernels, gives a speech probability every 32 ms; it is weighed as evidence for voice against silence and music in the class costs below, so real noise (chairs, traffic, fans, coughs) counts as silence."),
        (MethodNote(.voiceTimeline), "Voice timeline (heuristic): 10 ms frames give level, spectral flatness, flux, speech-band ratio, MFCCs and YIN pitch; 100 ms blocks are scored against silence, single voice, several voices and media with floor-relative cues (level above the recording's own noise floor, 3-8 Hz syllable rhythm, level variance, voicing and aperiodicity, spectral flatness and flux), and a Viterbi path with a switching penalty picks the labels. Music is recognised by its tonal, steady spectrum; a video clip (a voice over a music bed) by gaps between words that stay well above the floor and are tonal, with less energy in the speech band (unless voice.soundtrackMedia is off)."),
        (MethodNote(.speakerRoles), "Teacher and students (heuristic): single-voice speech is cut into turns at pauses and at speaker changes, each turn is described by MFCC, pitch, level and syllable-rhythm statistics (level and rhythm depth reflect the distance to the microphone), turns are clustered, and the teacher is the cluster with the most speech time weighted towards the loudest, closest voice; no enrolment, so a student who talks longest and loudest would be taken for the teacher."),
        (MethodNote(.risingPitchQuestions), "Questions (heuristic): without speech recognition, a teacher utterance whose pitch rises by at least 2 semitones over its last 0.6 s is marked as a possible question."),
        (MethodNote(.lapelMicrophone), "Teacher's lapel microphone: every speaker turn is also measured on the lapel track, and the teacher is the voice that is much louder there than on the room microphone (its level above the lapel's own noise floor minus its level above the room's)."),
        (MethodNote(.unreadableAnalysisRecord, ["minutes": .number(12.4)]), "About 12 minutes of the analysis record could not be read back from the temporary folder (disk error) and count as silence."),
        (MethodNote(.timelineMerge, ["mergeGapSeconds": .number(1.5)]), "Timeline: pauses shorter than 1.5 s between two stretches of the same label are counted as that label."),
        (MethodNote(.stCoding, ["intervalSeconds": .number(30), "rule": .text("window-majority")]), "S-T analysis: 30.0 s windows, rule window-majority; teacher speech and media count as T, everything else as S; only full windows are coded."),
        (MethodNote(.questionDetection, ["maxWaitSeconds": .number(10)]), "Questions are detected acoustically, without speech recognition (a heuristic): a teacher utterance followed within 10.0 s by a student voice counts as an answered question; a teacher utterance ending with rising pitch, followed by a pause and then by the teacher again, counts as unanswered. Rhetorical questions and instructions answered by students are not told apart."),
        (MethodNote(.waitTime), "Wait time is the silence between the end of the teacher's utterance and the first student voice."),
        (MethodNote(.activityPhases, ["windowSeconds": .number(30)]), "Activity phases are a heuristic: the label mix in a 30.0 s sliding window scores each second, and a Viterbi smoothing ignores interruptions too short to outweigh a phase change."),
        (MethodNote(.slideChanges, ["blocksX": .number(16), "blocksY": .number(9), "changedBlocksPercent": .number(32), "stableSeconds": .number(1.5)]), "Slide changes: block-wise luma differences (16×9 blocks, a change needs 32 % of blocks changed and 1.5 s of stable new content); camera views away from the slides are recognised by their luma histogram and ignored (heuristic)."),
        (MethodNote(.frameSizeChanged, ["count": .number(3)]), "The video frame size changed 3 time(s); detection restarted there."),
        (MethodNote(.noVideo), "The recording has no video: slide changes and motion are not reported."),
        (MethodNote(.videoAnalysisOff), "Video analysis was turned off by the pipeline."),
        (MethodNote(.readWarning, ["warning": .text("Invalid data found when processing input (packet 1234 at 56.7 s)")]), "Warning while reading the file: Invalid data found when processing input (packet 1234 at 56.7 s)."),
        (MethodNote(.clipsNotCut, ["failures": .text("03-分数.mp4: cannot write 'clips/03-分数.mp4': No space left on device (avio_open); 04-x.mp4: timeout")]), "Some micro-lesson clips could not be cut: 03-分数.mp4: cannot write 'clips/03-分数.mp4': No space left on device (avio_open); 04-x.mp4: timeout"),
        (MethodNote(.keyframeFirstVideo, ["keyframes": .number(312), "refinedGOPs": .number(12), "refinedSeconds": .number(17.2), "fps": .number(2), "longestGOPSeconds": .number(2)]), "Video read keyframe first: 312 keyframes were compared, and only the 12 GOPs whose two keyframes differed (17 s of video) were decoded at 2.0 frames/s to place changes; motion is measured between consecutive keyframes (up to 2.0 s apart)."),
        (MethodNote(.refinementBudgetSpent, ["unrefinedGOPs": .number(40), "refineSharePercent": .number(25)]), "In 40 GOPs whose keyframes differed, changes are placed at a keyframe (up to one GOP late): dense decoding is capped at 25 % of the recording (video.refineShare)."),
        (MethodNote(.speakerEmbeddingUnavailable), "Speaker turns: the learned speaker embedding was asked for but could not run (its temporary sample file could not be written or read back: a full or read-only temporary folder), so turns were clustered by timbre, distance and pitch alone."),
        (MethodNote(.speakerEmbedding, ["partials": .number(337)]), "Speaker turns (learned model): Resemblyzer's GE2E voice encoder (Apache-2.0, weights from the Resemblyzer package), run by LessonLens's own kernels, describes 337 windows of 1.6 s taken inside the speech turns; turns are grouped by the cosine of their mean descriptions (turns too short for a window join the nearest group by timbre). The teacher is still the group with the most speech, weighted towards the closest voice."),
    ]
    static var notes: [MethodNote] { pairs.map(\.note) }

    /// A note of `code` with a value of the right kind in every slot.
    static func example(_ code: MethodNote.Code) -> MethodNote {
        var values: [String: MethodNote.Value] = [:]
        for slot in MethodNote.slots(for: code) { values[slot.key] = slot.format == .text ? .text("x") : .number(7) }
        return MethodNote(code, values)
    }
}

@Suite("Method notes in the report's language")
struct NoteTextTests {
    /// True when `s` has at least one CJK ideograph.
    func hasChinese(_ s: String) -> Bool { s.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) } }

    @Test func fixturesCoverEveryCode() {
        #expect(Set(NoteFixtures.notes.compactMap(\.code.known)) == Set(MethodNote.Code.allCases))
    }

    /// Every code has an English and a Chinese text that use exactly the note's values.
    @Test(arguments: MethodNote.Code.allCases)
    func everyCodeHasBothLanguages(code: MethodNote.Code) throws {
        let slots = MethodNote.slots(for: code).count
        let en = MethodNote.englishTemplate(code)
        let zhTemplate = NoteText.chineseTemplate(code)
        for i in 0..<slots {
            #expect(en.components(separatedBy: "{\(i)}").count == 2, "\(code): {\(i)} once in English")
            #expect(zhTemplate.components(separatedBy: "{\(i)}").count == 2, "\(code): {\(i)} once in Chinese")
        }
        #expect(!en.contains("{\(slots)}") && !zhTemplate.contains("{\(slots)}"))
        #expect(Set(MethodNote.slots(for: code).map(\.key)).count == slots, "keys are distinct")

        let note = NoteFixtures.example(code)
        let english = try #require(note.english)
        let zh = try #require(NoteText.text(note, .zh))
        #expect(NoteText.text(note, .en) == english)
        #expect(hasChinese(zh) && zh != english)
        #expect(!zh.contains(String(english.prefix(12))), "the English wording is gone")
        #expect(!hasChinese(MethodNote.englishTemplate(code)))
    }

    @Test func codesAndEnglishAreDistinct() {
        #expect(Set(MethodNote.Code.allCases.map(\.rawValue)).count == MethodNote.Code.allCases.count)
        #expect(Set(MethodNote.Code.allCases.map(MethodNote.englishTemplate)).count == MethodNote.Code.allCases.count)
    }

    /// report.json's `notes` are the same sentences as before the notes had codes.
    @Test(arguments: NoteFixtures.pairs.indices)
    func englishIsTheContractSentence(index: Int) {
        let (note, english) = NoteFixtures.pairs[index]
        #expect(note.english == english)
        #expect(NoteText.text(note, .en) == english)
    }

    @Test func numbersSurviveIntoChinese() {
        #expect(NoteText.text(MethodNote(.timelineMerge, ["mergeGapSeconds": .number(0.75)]), .zh)
                == "时间轴：同一类别的两段之间短于 0.8 秒的停顿，归入该类别。")
        #expect(NoteText.text(MethodNote(.stCoding, ["intervalSeconds": .number(15), "rule": .text("instant")]), .zh)
                == "S-T 分析：每 15.0 秒为一个采样窗口，编码规则为 instant；教师讲话和媒体播放记为 T，其余记为 S；只对完整的窗口编码。")
        #expect(NoteText.text(NoteFixtures.pairs[11].note, .zh)
                == "换页检测：分块比较画面亮度（16×9 个块；至少 32% 的块发生变化、且新内容稳定 1.5 秒，才算一次换页）；镜头离开幻灯片时的画面依据亮度直方图识别并忽略（启发式方法）。")
        #expect(NoteText.text(MethodNote(.frameSizeChanged, ["count": .number(12)]), .zh) == "视频画面尺寸变化了 12 次，换页检测在变化处重新开始。")
        #expect(NoteText.text(NoteFixtures.pairs[5].note, .zh) == "约 12 分钟的分析记录因磁盘错误未能从临时文件夹读回，这部分按安静计算。")
        // %.0f rounds halves to even, as the producer's String(format:) did.
        #expect(MethodNote(.unreadableAnalysisRecord, ["minutes": .number(2.5)]).english?.hasPrefix("About 2 minutes") == true)
        #expect(MethodNote(.unreadableAnalysisRecord, ["minutes": .number(0.6)]).english?.hasPrefix("About 1 minutes") == true)
        #expect(NoteText.text(NoteFixtures.pairs[8].note, .zh)?.contains("之后 10.0 秒内") == true)
        #expect(NoteText.text(NoteFixtures.pairs[10].note, .zh)?.contains("按 30.0 秒滑动窗口") == true)
        // A value written by a hand-edited report.json never traps the formatter.
        #expect(MethodNote(.frameSizeChanged, ["count": .number(1e300)]).english == "The video frame size changed 1e+300 time(s); detection restarted there.")
    }

    @Test func freeTextStaysAsItIs() {
        // FFmpeg's words, with a full stop of its own and placeholder-looking text, are kept verbatim.
        let warning = "moov atom not found {1} {0}."
        let note = MethodNote(.readWarning, ["warning": .text(warning)])
        #expect(NoteText.text(note, .zh) == "读取文件时出现警告：\(warning)。")
        #expect(note.english == "Warning while reading the file: \(warning).")
        let failures = "03-分数.mp4: cannot write 'clips/03-分数.mp4': No space left on device (avio_open); 04-x.mp4: timeout"
        #expect(NoteText.text(MethodNote(.clipsNotCut, ["failures": .text(failures)]), .zh) == "部分微课片段未能剪切：\(failures)")
    }

    /// A note this version cannot render: an unknown code, a missing value, a value of the wrong kind.
    @Test(arguments: [
        MethodNote(code: .other("added-by-a-newer-version"), values: ["x": .number(1)]),
        MethodNote(.timelineMerge),
        MethodNote(.timelineMerge, ["mergeGapSeconds": .text("1.5")]),
        MethodNote(.readWarning, ["warning": .number(3)]),
    ])
    func unrenderableNoteShowsItsEnglishSentence(note: MethodNote) {
        #expect(NoteText.text(note, .zh) == nil && NoteText.text(note, .en) == nil && note.english == nil)
        var r = SampleReport.make()
        r.setNotes([MethodNote(.waitTime)])
        r.notes.append("A sentence from the version that wrote this note.")
        r.methodNotes?.append(note)
        for lang in ReportLanguage.allCases {
            let texts = NoteText.notes(of: r, lang)
            #expect(texts.count == 2 && texts[1] == "A sentence from the version that wrote this note.")
            #expect(texts[0] == NoteText.text(MethodNote(.waitTime), lang))
        }
    }

    @Test func notesOfAnOlderReportAreMigratedToChinese() {
        // A report.json from before `methodNotes` (and one whose two lists disagree): English as written;
        // in Chinese each sentence of a known code is shown in Chinese with its parts carried over, and a
        // sentence no code writes any more stays as written.
        var legacy = SampleReport.make()
        legacy.notes = NoteFixtures.pairs.map(\.english) + ["A sentence reworded since."]
        legacy.methodNotes = nil
        var mismatched = legacy
        mismatched.methodNotes = [MethodNote(.waitTime)]
        for r in [legacy, mismatched] {
            #expect(NoteText.notes(of: r, .en) == legacy.notes)
            let zh = NoteText.notes(of: r, .zh)
            #expect(zh == NoteFixtures.notes.map { NoteText.text($0, .zh)! } + ["A sentence reworded since."])
        }
        // The parts are carried as written (free text from FFmpeg included).
        #expect(NoteText.legacyChinese("Warning while reading the file: bad {1} packet.")?.contains("bad {1} packet") == true)
    }

    @Test func addNoteKeepsTheListsAligned() throws {
        var r = SampleReport.make()
        r.notes = []
        r.methodNotes = nil
        for n in NoteFixtures.notes { r.addNote(n) }
        #expect(r.notes == NoteFixtures.pairs.map(\.english))
        #expect(r.methodNotes == NoteFixtures.notes)
        var s = SampleReport.make()
        s.setNotes(NoteFixtures.notes)
        #expect(s.notes == r.notes && s.methodNotes == r.methodNotes)
    }

    @Test func htmlShowsNotesInTheReportLanguage() {
        var r = SampleReport.make()
        r.setNotes(NoteFixtures.notes)
        let zh = ReportWriter.html(r, language: .zh)
        let en = ReportWriter.html(r, language: .en)
        for (note, english) in NoteFixtures.pairs {
            #expect(zh.contains("<li>\(escapeHTML(NoteText.text(note, .zh) ?? "?"))</li>"))
            #expect(!zh.contains(escapeHTML(english)))
            #expect(en.contains("<li>\(escapeHTML(english))</li>"))
        }
        // The data contract keeps the English notes whatever the HTML language.
        #expect(r.notes == NoteFixtures.pairs.map(\.english))
    }

    @Test(arguments: ReportLanguage.allCases)
    func hostileNoteIsEscaped(lang: ReportLanguage) {
        var r = SampleReport.make()
        let hostile = "<script>alert(1)</script>&\"'"
        r.setNotes([MethodNote(.readWarning, ["warning": .text(hostile)]), MethodNote(.clipsNotCut, ["failures": .text(hostile)]),
                    MethodNote(code: .other(hostile))])
        let html = ReportWriter.html(r, language: lang)
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"))
        if lang == .zh {
            #expect(html.contains("读取文件时出现警告：&lt;script&gt;"))
            #expect(html.contains("部分微课片段未能剪切：&lt;script&gt;"))
        }
    }
}
