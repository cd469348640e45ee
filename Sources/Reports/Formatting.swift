import Foundation
import MediaCore

/// Number and time formatting shared by the writers (locale-independent: `.` decimal point).
public enum Fmt {
    /// `x` with `digits` decimals, e.g. `fixed(1.23456, 3)` = `1.235`.
    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "" }
        return String(format: "%.\(digits)f", x)
    }

    /// A ratio in 0...1 as a whole percentage, e.g. `72%`.
    static func percent(_ ratio: Double) -> String {
        guard ratio.isFinite else { return "—" }
        return "\(Int((ratio * 100).rounded()))%"
    }

    /// Seconds as `m:ss`, or `h:mm:ss` from one hour on (rounded down to the second, as players show it).
    public static func clock(_ seconds: Double) -> String {
        let total = seconds.isFinite ? max(0, Int(seconds.rounded(.down))) : 0
        let h = total / 3600, m = (total % 3600) / 60, s = total % 60
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return h > 0 ? "\(h):\(two(m)):\(two(s))" : "\(two(m)):\(two(s))"
    }

    /// Seconds as WebVTT `HH:MM:SS.mmm` (rounded to the millisecond).
    static func vtt(_ seconds: Double) -> String {
        let ms = seconds.isFinite ? max(0, Int((seconds * 1000).rounded())) : 0
        let h = ms / 3_600_000, m = (ms / 60_000) % 60, s = (ms / 1000) % 60, f = ms % 1000
        return String(format: "%02d:%02d:%02d.%03d", h, m, s, f)
    }

    /// A duration in a human form: `45 min`, `1 h 05 min`, `42 s`.
    static func duration(_ seconds: Double, _ lang: ReportLanguage) -> String {
        let total = seconds.isFinite ? max(0, Int(seconds.rounded())) : 0
        if total < 60 { return lang == .zh ? "\(total) 秒" : "\(total) s" }
        let minutes = (total + 30) / 60
        let h = minutes / 60, m = minutes % 60
        if h == 0 { return lang == .zh ? "\(m) 分钟" : "\(m) min" }
        return lang == .zh ? "\(h) 小时 \(m) 分钟" : "\(h) h \(m < 10 ? "0" : "")\(m) min"
    }
}
