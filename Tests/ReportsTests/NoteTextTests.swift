import Foundation
import Testing
import MediaCore
@testable import Reports

/// The method notes as the producers write them today. ReportsTests cannot import Analysis or Pipeline
/// (the target depends on Reports and MediaCore only), so these are copies of the producers' strings with
/// typical values filled in; `PipelineTests/NoteCoverageTests` checks the real notes from the Analysis
/// producers against the same table, so a reworded note in Analysis fails a test there.
enum NoteFixtures {
    static let voice = [
        "Voice timeline (heuristic): 10 ms frames give level, spectral flatness, flux, speech-band ratio, MFCCs and YIN pitch; 100 ms blocks are scored against silence, single voice, several voices and media with floor-relative cues (level above the recording's own noise floor, 3-8 Hz syllable rhythm, level variance, voicing and aperiodicity, spectral flatness and flux), and a Viterbi path with a switching penalty picks the labels. Music is recognised by its tonal, steady spectrum; a video clip (a voice over a music bed) by gaps between words that stay well above the floor and are tonal, with less energy in the speech band (unless voice.soundtrackMedia is off).",
        "Teacher and students (heuristic): single-voice speech is cut into turns at pauses and at speaker changes, each turn is described by MFCC, pitch, level and syllable-rhythm statistics (level and rhythm depth reflect the distance to the microphone), turns are clustered, and the teacher is the cluster with the most speech time weighted towards the loudest, closest voice; no enrolment, so a student who talks longest and loudest would be taken for the teacher.",
        "Questions (heuristic): without speech recognition, a teacher utterance whose pitch rises by at least 2 semitones over its last 0.6 s is marked as a possible question.",
        "Teacher's lapel microphone: every speaker turn is also measured on the lapel track, and the teacher is the voice that is much louder there than on the room microphone (its level above the lapel's own noise floor minus its level above the room's).",
        "About 12 minutes of the analysis record could not be read back from the temporary folder (disk error) and count as silence.",
    ]
    /// `LessonAnalytics.methodNotes(AnalyticsConfig())`.
    static let analytics = [
        "Timeline: pauses shorter than 1.5 s between two stretches of the same label are counted as that label.",
        "S-T analysis: 30.0 s windows, rule window-majority; teacher speech and media count as T, everything else as S; only full windows are coded.",
        "Questions are detected acoustically, without speech recognition (a heuristic): a teacher utterance followed within 10.0 s by a student voice counts as an answered question; a teacher utterance ending with rising pitch, followed by a pause and then by the teacher again, counts as unanswered. Rhetorical questions and instructions answered by students are not told apart.",
        "Wait time is the silence between the end of the teacher's utterance and the first student voice.",
        "Activity phases are a heuristic: the label mix in a 30.0 s sliding window scores each second, and a Viterbi smoothing ignores interruptions too short to outweigh a phase change.",
    ]
    static let slides = [
        "Slide changes: block-wise luma differences (16×9 blocks, a change needs 32 % of blocks changed and 1.5 s of stable new content); camera views away from the slides are recognised by their luma histogram and ignored (heuristic).",
        "The video frame size changed 3 time(s); detection restarted there.",
    ]
    static let pipeline = [
        "The recording has no video: slide changes and motion are not reported.",
        "Video analysis was turned off by the pipeline.",
        "Warning while reading the file: Invalid data found when processing input (packet 1234 at 56.7 s).",
        "Some micro-lesson clips could not be cut: 03-分数.mp4: cannot write 'clips/03-分数.mp4': No space left on device (avio_open); 04-x.mp4: timeout",
    ]
    static var all: [String] { voice + analytics + slides + pipeline }
}

@Suite("Method notes in the report's language")
struct NoteTextTests {
    /// True when `s` has at least one CJK ideograph.
    func hasChinese(_ s: String) -> Bool { s.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) } }

    @Test(arguments: NoteFixtures.all)
    func everyKnownNoteIsTranslated(note: String) throws {
        let zh = NoteText.localised(note, .zh)
        #expect(zh != note)
        #expect(hasChinese(zh))
        // No template placeholder is left behind and the English wording is gone (its first words).
        #expect(!zh.contains("{0}") && !zh.contains("{1}"))
        #expect(!zh.contains(String(note.prefix(12))))
        // Exactly one template recognises it, so the table order never decides which translation is used.
        let matching = NoteText.entries.filter { NoteText.captures(of: note, template: $0.en) != nil }
        #expect(matching.count == 1)
    }

    @Test func numbersSurviveIntoChinese() {
        #expect(NoteText.localised("Timeline: pauses shorter than 0.8 s between two stretches of the same label are counted as that label.", .zh)
                == "时间轴：同一类别的两段之间短于 0.8 秒的停顿，归入该类别。")
        #expect(NoteText.localised("S-T analysis: 15.0 s windows, rule instant; teacher speech and media count as T, everything else as S; only full windows are coded.", .zh)
                == "S-T 分析：每 15.0 秒为一个采样窗口，编码规则为 instant；教师讲话和媒体播放记为 T，其余记为 S；只对完整的窗口编码。")
        #expect(NoteText.localised(NoteFixtures.slides[0], .zh)
                == "换页检测：分块比较画面亮度（16×9 个块；至少 32% 的块发生变化、且新内容稳定 1.5 秒，才算一次换页）；镜头离开幻灯片时的画面依据亮度直方图识别并忽略（启发式方法）。")
        #expect(NoteText.localised("The video frame size changed 12 time(s); detection restarted there.", .zh)
                == "视频画面尺寸变化了 12 次，换页检测在变化处重新开始。")
        #expect(NoteText.localised(NoteFixtures.voice[4], .zh) == "约 12 分钟的分析记录因磁盘错误未能从临时文件夹读回，这部分按安静计算。")
        #expect(NoteText.localised(NoteFixtures.analytics[2], .zh).contains("之后 10.0 秒内"))
        #expect(NoteText.localised(NoteFixtures.analytics[4], .zh).contains("按 30.0 秒滑动窗口"))
    }

    @Test func freeTextStaysAsItIs() {
        // FFmpeg's words, with a full stop of its own and placeholder-looking text, are kept verbatim.
        let warning = "moov atom not found {1} {0}."
        #expect(NoteText.localised("Warning while reading the file: \(warning).", .zh) == "读取文件时出现警告：\(warning)。")
        let failures = "03-分数.mp4: cannot write 'clips/03-分数.mp4': No space left on device (avio_open); 04-x.mp4: timeout"
        #expect(NoteText.localised("Some micro-lesson clips could not be cut: \(failures)", .zh) == "部分微课片段未能剪切：\(failures)")
    }

    @Test(arguments: [
        "",
        "Questions are detected acoustically, without speech recognition (a heuristic).",
        "Video analysis was turned off by the pipeline",           // full stop missing
        "Video analysis was turned off by the pipeline. Again.",   // text after a known note
        "Timeline: pauses shorter than  s between two stretches of the same label are counted as that label.",
        "Warning while reading the file: .",                       // nothing captured
        "A note added later by a new analysis step.",
    ])
    func unknownNotesPassThrough(note: String) {
        #expect(NoteText.localised(note, .zh) == note)
        #expect(NoteText.localised(note, .en) == note)
    }

    @Test(arguments: NoteFixtures.all)
    func englishIsUnchanged(note: String) {
        #expect(NoteText.localised(note, .en) == note)
    }

    @Test func tableIsWellFormed() {
        for entry in NoteText.entries {
            let holes = entry.en.components(separatedBy: "{}").count - 1
            // Two adjacent holes could not be told apart.
            #expect(!entry.en.contains("{}{}"), "\(entry.en)")
            // Every captured part appears exactly once in the Chinese text, nothing else is referenced.
            for i in 0..<holes { #expect(entry.zh.components(separatedBy: "{\(i)}").count == 2, "\(entry.zh)") }
            #expect(!entry.zh.contains("{\(holes)}"), "\(entry.zh)")
            #expect(hasChinese(entry.zh))
        }
        #expect(Set(NoteText.entries.map(\.en)).count == NoteText.entries.count)
    }

    @Test func htmlShowsNotesInTheReportLanguage() {
        var r = SampleReport.make()
        r.notes = NoteFixtures.all
        let zh = ReportWriter.html(r, language: .zh)
        let en = ReportWriter.html(r, language: .en)
        for note in NoteFixtures.all {
            #expect(zh.contains("<li>\(escapeHTML(NoteText.localised(note, .zh)))</li>"))
            #expect(!zh.contains(escapeHTML(note)))
            #expect(en.contains("<li>\(escapeHTML(note))</li>"))
        }
        // The data contract keeps the English notes whatever the HTML language.
        #expect(r.notes == NoteFixtures.all)
    }

    @Test(arguments: ReportLanguage.allCases)
    func hostileNoteIsEscaped(lang: ReportLanguage) {
        var r = SampleReport.make()
        let hostile = "<script>alert(1)</script>&\"'"
        r.notes = ["Warning while reading the file: \(hostile).", "Some micro-lesson clips could not be cut: \(hostile)", hostile]
        let html = ReportWriter.html(r, language: lang)
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"))
        if lang == .zh {
            #expect(html.contains("读取文件时出现警告：&lt;script&gt;"))
            #expect(html.contains("部分微课片段未能剪切：&lt;script&gt;"))
        }
    }
}
