import Foundation

/// Localised method notes (`Report.notes`).
///
/// The analysis writes its notes in English, because report.json is a data contract; the HTML report in
/// Chinese shows each known note in Chinese instead. A note is recognised by an English template in which
/// `{}` stands for an interpolated part (a number, a rule name, a warning text from FFmpeg); the captured
/// parts are put, unchanged, into the Chinese template at `{0}`, `{1}`, …. A note that matches no template
/// is shown as it is, so nothing is ever lost when a producer adds or rewords a note before this table
/// follows.
enum NoteText {
    /// One known note: the English template as the producer writes it, and its Chinese text.
    struct Entry: Sendable {
        /// The note with every interpolated part written as `{}`.
        let en: String
        /// The Chinese text; `{i}` is the i-th `{}` of `en`, counted from 0.
        let zh: String
    }

    /// Every note the code can produce, with the producer named above each group. Keep the English
    /// templates character for character equal to the producers' strings (the tests build the real notes
    /// and check that each one is matched).
    static let entries: [Entry] = [
        // Analysis/Voice/VoiceAnalyzer.swift — `notes`
        Entry(en: "Voice timeline (heuristic): 10 ms frames give level, spectral flatness, flux, speech-band ratio, MFCCs and YIN pitch; 100 ms blocks are scored against silence, single voice, several voices and media with floor-relative cues (level above the recording's own noise floor, 3-8 Hz syllable rhythm, level variance, voicing and aperiodicity, spectral flatness and flux), and a Viterbi path with a switching penalty picks the labels. Music is recognised by its tonal, steady spectrum; a video clip (a voice over a music bed) by gaps between words that stay well above the floor and are tonal, with less energy in the speech band (unless voice.soundtrackMedia is off).",
              zh: "声音时间轴（启发式方法）：以 10 毫秒为一帧，计算音量、频谱平坦度、频谱通量、语音频段能量占比、MFCC 和 YIN 基频；再以 100 毫秒为一块，用相对于本录像自身底噪的特征（高出底噪的音量、3–8 Hz 的音节节奏、音量起伏、浊音与非周期性、频谱平坦度和通量）判断每块更像安静、单人讲话、多人讲话还是媒体播放，最后由带切换惩罚的 Viterbi 路径确定各段标签。音乐依据其音调明确、频谱平稳的特点识别；视频片段（配乐上的人声解说）依据词与词之间的间隙仍明显高于底噪且带有音调、语音频段能量占比较低来识别（除非关闭 voice.soundtrackMedia）。"),
        Entry(en: "Teacher and students (heuristic): single-voice speech is cut into turns at pauses and at speaker changes, each turn is described by MFCC, pitch, level and syllable-rhythm statistics (level and rhythm depth reflect the distance to the microphone), turns are clustered, and the teacher is the cluster with the most speech time weighted towards the loudest, closest voice; no enrolment, so a student who talks longest and loudest would be taken for the teacher.",
              zh: "区分教师与学生（启发式方法）：单人讲话在停顿处和换人处切分为话轮，每个话轮用 MFCC、基频、音量和音节节奏的统计量描述（音量和节奏起伏的强弱反映说话人离麦克风的远近），再把话轮聚类；讲话时间最长、并且偏向声音最响、离麦克风最近的一类被认定为教师。软件不预先录入教师的声音，因此讲得最久、声音最响的学生可能被误认为教师。"),
        Entry(en: "Questions (heuristic): without speech recognition, a teacher utterance whose pitch rises by at least 2 semitones over its last 0.6 s is marked as a possible question.",
              zh: "提问（启发式方法）：不使用语音识别；教师的一句话如果在最后 0.6 秒内音高上升至少 2 个半音，就标记为可能的提问。"),
        // Analysis/Voice/VoiceAnalyzer.swift — `speechModelNote`
        Entry(en: "Voice activity (learned model): Silero VAD 16 kHz (MIT licence, weights from the silero-vad package), run by LessonLens's own kernels, gives a speech probability every 32 ms; it is weighed as evidence for voice against silence and music in the class costs below, so real noise (chairs, traffic, fans, coughs) counts as silence.",
              zh: "语音活动检测（学习模型）：Silero VAD 16 kHz 模型（MIT 许可，权重来自 silero-vad 软件包）由 LessonLens 自己的计算内核运行，每 32 毫秒给出一个“有人说话”的概率；这一概率作为证据参与下文各类别的判断，用来区分人声与安静、音乐，因此真实环境中的噪声（挪椅子、交通、风扇、咳嗽）计为安静。"),
        // Analysis/Voice/VoiceAnalyzer.swift — `lapelNote`, `lossNote`
        Entry(en: "Teacher's lapel microphone: every speaker turn is also measured on the lapel track, and the teacher is the voice that is much louder there than on the room microphone (its level above the lapel's own noise floor minus its level above the room's).",
              zh: "教师领夹麦克风：每个话轮也在领夹麦克风的音轨上测量；在领夹麦克风上比在教室麦克风上响得多的声音就是教师（比较的是：高出领夹麦克风自身底噪的音量，减去高出教室麦克风底噪的音量）。"),
        Entry(en: "About {} minutes of the analysis record could not be read back from the temporary folder (disk error) and count as silence.",
              zh: "约 {0} 分钟的分析记录因磁盘错误未能从临时文件夹读回，这部分按安静计算。"),
        // Analysis/Analytics/LessonAnalytics.swift — `methodNotes`
        Entry(en: "Timeline: pauses shorter than {} s between two stretches of the same label are counted as that label.",
              zh: "时间轴：同一类别的两段之间短于 {0} 秒的停顿，归入该类别。"),
        Entry(en: "S-T analysis: {} s windows, rule {}; teacher speech and media count as T, everything else as S; only full windows are coded.",
              zh: "S-T 分析：每 {0} 秒为一个采样窗口，编码规则为 {1}；教师讲话和媒体播放记为 T，其余记为 S；只对完整的窗口编码。"),
        Entry(en: "Questions are detected acoustically, without speech recognition (a heuristic): a teacher utterance followed within {} s by a student voice counts as an answered question; a teacher utterance ending with rising pitch, followed by a pause and then by the teacher again, counts as unanswered. Rhetorical questions and instructions answered by students are not told apart.",
              zh: "提问只依据声音特征检测，不使用语音识别（启发式方法）：教师的一句话之后 {0} 秒内出现学生的声音，算作一次有回应的提问；教师以升调结尾的一句话之后出现停顿、接着仍是教师讲话，算作无回应的提问。反问句、以及学生作出回应的指令，都无法与真正的提问区分开。"),
        Entry(en: "Wait time is the silence between the end of the teacher's utterance and the first student voice.",
              zh: "候答时间是教师话语结束到第一个学生声音出现之间的安静时间。"),
        Entry(en: "Activity phases are a heuristic: the label mix in a {} s sliding window scores each second, and a Viterbi smoothing ignores interruptions too short to outweigh a phase change.",
              zh: "活动阶段为启发式划分：按 {0} 秒滑动窗口内各类声音的构成为每一秒打分，再用 Viterbi 平滑，忽略短到不足以构成阶段转换的打断。"),
        // Analysis/Vision/SlideDetector.swift — `finish()`
        Entry(en: "Slide changes: block-wise luma differences ({}×{} blocks, a change needs {} % of blocks changed and {} s of stable new content); camera views away from the slides are recognised by their luma histogram and ignored (heuristic).",
              zh: "换页检测：分块比较画面亮度（{0}×{1} 个块；至少 {2}% 的块发生变化、且新内容稳定 {3} 秒，才算一次换页）；镜头离开幻灯片时的画面依据亮度直方图识别并忽略（启发式方法）。"),
        Entry(en: "The video frame size changed {} time(s); detection restarted there.",
              zh: "视频画面尺寸变化了 {0} 次，换页检测在变化处重新开始。"),
        // Pipeline/AnalyzeJob.swift
        Entry(en: "The recording has no video: slide changes and motion are not reported.",
              zh: "录像没有视频画面，因此不报告换页和画面运动。"),
        Entry(en: "Video analysis was turned off by the pipeline.",
              zh: "当前分析流程关闭了视频分析。"),
        Entry(en: "Warning while reading the file: {}.",
              zh: "读取文件时出现警告：{0}。"),
        // Pipeline/MicroLessonWriter.swift
        Entry(en: "Some micro-lesson clips could not be cut: {}",
              zh: "部分微课片段未能剪切：{0}"),
    ]

    /// `note` as shown in a report in `lang`: for Chinese the translation of the first matching template
    /// with the captured parts inserted verbatim; for English, or a note no template matches, `note` itself.
    /// The result is plain text (the caller escapes it for HTML).
    static func localised(_ note: String, _ lang: ReportLanguage) -> String {
        guard lang == .zh else { return note }
        for entry in entries {
            if let parts = captures(of: note, template: entry.en) { return fill(entry.zh, with: parts) }
        }
        return note
    }

    /// The interpolated parts of `note` when it matches `template` as a whole (anchored at both ends),
    /// else nil. Each `{}` captures at least one character; when a literal between two `{}` occurs several
    /// times, every split is tried (backtracking), the shortest first capture winning.
    static func captures(of note: String, template: String) -> [Substring]? {
        let literals = template.components(separatedBy: "{}")
        return match(Substring(note), literals[...])
    }

    private static func match(_ text: Substring, _ literals: ArraySlice<String>) -> [Substring]? {
        guard let head = literals.first, text.hasPrefix(head) else { return nil }
        let rest = text.dropFirst(head.count)
        let more = literals.dropFirst()
        guard let next = more.first else { return rest.isEmpty ? [] : nil }
        if more.count == 1 {
            // The last literal closes the note, so the capture is everything before it.
            guard rest.hasSuffix(next), rest.count > next.count else { return nil }
            return [rest.dropLast(next.count)]
        }
        // A capture ends where the next literal starts; try its occurrences from the left.
        var i = rest.startIndex
        while i < rest.endIndex {
            i = rest.index(after: i)
            if rest[i...].hasPrefix(next), let tail = match(rest[i...], more) {
                return [rest[rest.startIndex..<i]] + tail
            }
        }
        return nil
    }

    /// `template` with `{0}`, `{1}`, … replaced by `parts`, in one pass so that a part that itself
    /// contains "{1}" (free text from FFmpeg or a file name) is never rewritten. A placeholder without a
    /// part stays as written.
    static func fill(_ template: String, with parts: [Substring]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let afterOpen = rest.index(after: open)
            if let close = rest[afterOpen...].firstIndex(of: "}"), let i = Int(rest[afterOpen..<close]),
               parts.indices.contains(i) {
                out += parts[i]
                rest = rest[rest.index(after: close)...]
            } else {
                out += "{"
                rest = rest[afterOpen...]
            }
        }
        return out + rest
    }
}
