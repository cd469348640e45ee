import Foundation
import MediaCore

/// Method notes in the report's language, rendered from each note's code and values
/// (`Report.methodNotes`); the English sentences are `MethodNote.englishTemplate`, the Chinese ones here.
enum NoteText {
    /// The Chinese text of each note; `{i}` is the i-th value of `MethodNote.slots(for:)`, formatted as in
    /// the English sentence.
    static func chineseTemplate(_ code: MethodNote.Code) -> String {
        switch code {
        case .voiceTimeline:
            "声音时间轴（启发式方法）：以 10 毫秒为一帧，计算音量、频谱平坦度、频谱通量、语音频段能量占比、MFCC 和 YIN 基频；再以 100 毫秒为一块，用相对于本录像自身底噪的特征（高出底噪的音量、3–8 Hz 的音节节奏、音量起伏、浊音与非周期性、频谱平坦度和通量）判断每块更像安静、单人讲话、多人讲话还是媒体播放，最后由带切换惩罚的 Viterbi 路径确定各段标签。音乐依据其音调明确、频谱平稳的特点识别；视频片段（配乐上的人声解说）依据词与词之间的间隙仍明显高于底噪且带有音调、语音频段能量占比较低来识别（除非关闭 voice.soundtrackMedia）。"
        case .speakerRoles:
            "区分教师与学生（启发式方法）：单人讲话在停顿处和换人处切分为话轮，每个话轮用 MFCC、基频、音量和音节节奏的统计量描述（音量和节奏起伏的强弱反映说话人离麦克风的远近），再把话轮聚类；讲话时间最长、并且偏向声音最响、离麦克风最近的一类被认定为教师。软件不预先录入教师的声音，因此讲得最久、声音最响的学生可能被误认为教师。"
        case .risingPitchQuestions:
            "提问（启发式方法）：不使用语音识别；教师的一句话如果在最后 0.6 秒内音高上升至少 2 个半音，就标记为可能的提问。"
        case .voiceActivityModel:
            "语音活动检测（学习模型）：Silero VAD 16 kHz 模型（MIT 许可，权重来自 silero-vad 软件包）由 LessonLens 自己的计算内核运行，每 32 毫秒给出一个“有人说话”的概率；这一概率作为证据参与下文各类别的判断，用来区分人声与安静、音乐，因此真实环境中的噪声（挪椅子、交通、风扇、咳嗽）计为安静。"
        case .speakerEmbeddingUnavailable:
            "话轮的说话人：要求使用学习得到的声纹编码器，但它未能运行（临时采样文件无法写入或读回：临时文件夹已满或只读），因此话轮只按音色、距离和音高归类。"
        case .speakerEmbedding:
            "话轮的说话人（学习模型）：Resemblyzer 的 GE2E 声纹编码器（Apache-2.0 许可，权重来自 Resemblyzer 软件包）由 LessonLens 自己的计算内核运行，为话轮内截取的 {0} 个 1.6 秒片段各给出一个声纹向量；话轮按平均声纹向量的余弦相似度归类（短到截不出片段的话轮，按音色归入最接近的一类）。教师仍是讲话时间最长、偏向声音最近的一类。"
        case .lapelMicrophone:
            "教师领夹麦克风：每个话轮也在领夹麦克风的音轨上测量；在领夹麦克风上比在教室麦克风上响得多的声音就是教师（比较的是：高出领夹麦克风自身底噪的音量，减去高出教室麦克风底噪的音量）。"
        case .unreadableAnalysisRecord:
            "约 {0} 分钟的分析记录因磁盘错误未能从临时文件夹读回，这部分按安静计算。"
        case .timelineMerge:
            "时间轴：同一类别的两段之间短于 {0} 秒的停顿，归入该类别。"
        case .stCoding:
            "S-T 分析：每 {0} 秒为一个采样窗口，编码规则为 {1}；教师讲话和媒体播放记为 T，其余记为 S；只对完整的窗口编码。"
        case .questionDetection:
            "提问只依据声音特征检测，不使用语音识别（启发式方法）：教师的一句话之后 {0} 秒内出现学生的声音，算作一次有回应的提问；教师以升调结尾的一句话之后出现停顿、接着仍是教师讲话，算作无回应的提问。反问句、以及学生作出回应的指令，都无法与真正的提问区分开。"
        case .waitTime:
            "候答时间是教师话语结束到第一个学生声音出现之间的安静时间。"
        case .activityPhases:
            "活动阶段为启发式划分：按 {0} 秒滑动窗口内各类声音的构成为每一秒打分，再用 Viterbi 平滑，忽略短到不足以构成阶段转换的打断。"
        case .slideChanges:
            "换页检测：分块比较画面亮度（{0}×{1} 个块；至少 {2}% 的块发生变化、且新内容稳定 {3} 秒，才算一次换页）；镜头离开幻灯片时的画面依据亮度直方图识别并忽略（启发式方法）。"
        case .frameSizeChanged:
            "视频画面尺寸变化了 {0} 次，换页检测在变化处重新开始。"
        case .noVideo:
            "录像没有视频画面，因此不报告换页和画面运动。"
        case .videoAnalysisOff:
            "当前分析流程关闭了视频分析。"
        case .readWarning:
            "读取文件时出现警告：{0}。"
        case .keyframeFirstVideo:
            "视频按关键帧优先读取：比较了 {0} 个关键帧，只有前后两个关键帧不同的 {1} 个 GOP（共 {2} 秒视频）以每秒 {3} 帧解码，用来确定换页时刻；画面运动在相邻关键帧之间测量（间隔最长 {4} 秒）。"
        case .refinementBudgetSpent:
            "有 {0} 个 GOP 的关键帧不同，但其中的换页时刻只定位到关键帧（最多晚一个 GOP）：密集解码以录像时长的 {1}% 为上限（video.refineShare）。"
        case .clipsNotCut:
            "部分微课片段未能剪切：{0}"
        }
    }

    /// `note` in `lang`, nil when its code is unknown to this version or a value is missing.
    /// Plain text (the caller escapes it for HTML).
    static func text(_ note: MethodNote, _ lang: ReportLanguage) -> String? {
        guard let code = note.code.known, let parts = note.arguments else { return nil }
        switch lang {
        case .en: return MethodNote.fill(MethodNote.englishTemplate(code), with: parts)
        case .zh: return MethodNote.fill(chineseTemplate(code), with: parts)
        }
    }

    /// The method section's notes in `lang`.
    ///
    /// From `methodNotes` when the report has one per entry of `notes` (every report this version writes);
    /// a note whose code or values this version does not know shows its English sentence from `notes`.
    /// A report.json without `methodNotes` (written before it existed), or with a different number of them,
    /// shows `notes` as written, in English: the English sentences are never matched to find a translation.
    static func notes(of report: Report, _ lang: ReportLanguage) -> [String] {
        guard let structured = report.methodNotes, structured.count == report.notes.count else {
            return lang == .zh ? report.notes.map { legacyChinese($0) ?? $0 } : report.notes
        }
        return zip(structured, report.notes).map { note, english in text(note, lang) ?? english }
    }

    /// Reading an older report.json (written before `methodNotes`): its English note is recognised as the
    /// sentence one of today's codes writes, and the Chinese text of that code is filled with the same
    /// (already formatted) parts. A migration for old files only: reports this version writes never come
    /// here; a note that matches no sentence (one reworded since) stays in English.
    static func legacyChinese(_ note: String) -> String? {
        for code in MethodNote.Code.allCases {
            if let parts = captures(of: note, template: MethodNote.englishTemplate(code),
                                    count: MethodNote.slots(for: code).count) {
                return MethodNote.fill(chineseTemplate(code), with: parts)
            }
        }
        return nil
    }

    /// The parts of `note` at `{0}` … `{count-1}` of `template` (in that order), matched as a whole;
    /// each part is at least one character, and the shortest earlier part wins when several splits fit.
    static func captures(of note: String, template: String, count: Int) -> [String]? {
        var literals: [String] = []
        var rest = Substring(template)
        for i in 0..<count {
            guard let r = rest.range(of: "{\(i)}") else { return nil }
            literals.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        literals.append(String(rest))
        return match(Substring(note), literals[...]).map { $0.map(String.init) }
    }

    private static func match(_ text: Substring, _ literals: ArraySlice<String>) -> [Substring]? {
        guard let head = literals.first, text.hasPrefix(head) else { return nil }
        let rest = text.dropFirst(head.count)
        let more = literals.dropFirst()
        guard let next = more.first else { return rest.isEmpty ? [] : nil }
        if more.count == 1 {
            guard rest.hasSuffix(next), rest.count > next.count else { return nil }
            return [rest.dropLast(next.count)]
        }
        var i = rest.startIndex
        while i < rest.endIndex {
            i = rest.index(after: i)
            if rest[i...].hasPrefix(next), let tail = match(rest[i...], more) {
                return [rest[rest.startIndex..<i]] + tail
            }
        }
        return nil
    }
}
