import Foundation
public import MediaCore
import MediaIO
import Reports

/// `lessonlens probe`: describe a file without decoding it.
public enum Probe {
    public static func run(path: String, audioTrack: Int?) throws -> MediaInfo {
        try MediaProbe.probe(path: path, audioTrack: audioTrack)
    }

    public static func json(_ info: MediaInfo) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(info), as: UTF8.self)
    }

    public static func text(_ info: MediaInfo) -> String {
        var lines = ["\(info.file): \(info.container), \(Format.clock(info.durationSeconds)) (\(String(format: "%.3f", info.durationSeconds)) s), start \(String(format: "%.3f", info.startSeconds)) s"]
        for s in info.streams {
            var parts = ["  #\(s.index) \(s.type) \(s.codec)"]
            if let w = s.width, let h = s.height { parts.append("\(w)x\(h)") }
            if let f = s.fps, f > 0 { parts.append(String(format: "%.3g fps", f)) }
            if let r = s.sampleRate { parts.append("\(r) Hz") }
            if let c = s.channels { parts.append("\(c) ch") }
            if let l = s.language { parts.append("[\(l)]") }
            let chosen = s.index == info.audio?.streamIndex || s.index == info.video?.streamIndex
            lines.append(parts.joined(separator: " ") + (chosen ? "  (analysed)" : ""))
        }
        return lines.joined(separator: "\n")
    }
}

/// Small formatting helpers for the CLI's human-readable output (the CLI sees only Pipeline).
public enum Format {
    /// `mm:ss`, or `h:mm:ss` from one hour on: the report's own clock format.
    public static func clock(_ seconds: Double) -> String { Fmt.clock(seconds) }
}
