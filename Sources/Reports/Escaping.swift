import Foundation

/// Escapes text for HTML element content and quoted attribute values: `& < > " '`.
/// Every string that comes from a file, a plan or the report goes through this before it reaches HTML.
public func escapeHTML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for ch in s.unicodeScalars {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        // Control characters other than tab/newline are not allowed in HTML text; drop them.
        case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": continue
        default: out.unicodeScalars.append(ch)
        }
    }
    return out
}

/// Escapes one CSV field (RFC 4180): quoted when it contains a comma, quote, CR or LF, quotes doubled.
/// With `text: true` a field that a spreadsheet would run as a formula (starting with `= + - @`, tab or CR)
/// gets a leading `'` (the OWASP advice against CSV injection); numbers are passed with `text: false`.
public func escapeCSV(_ s: String, text: Bool = true) -> String {
    var v = s
    if text, let first = v.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { v = "'" + v }
    guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
    return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// A path from the report (clip, thumbnail) made safe for an `href`/`src` relative to the report folder,
/// or nil when it is not a plain relative path: no scheme (`javascript:`), no absolute path, no `..`,
/// no backslashes. Each component is percent-encoded; the result still needs `escapeHTML` (it has no
/// characters that need it, but the rule is "escape everything").
func safeRelativeURL(_ path: String) -> String? {
    guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.contains(":") else { return nil }
    let parts = path.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.allSatisfy({ !$0.isEmpty && $0 != ".." && $0 != "." }) else { return nil }
    return parts.map { percentEncodePathComponent(String($0)) }.joined(separator: "/")
}

/// Percent-encodes everything except RFC 3986 unreserved characters.
func percentEncodePathComponent(_ s: String) -> String {
    var out = ""
    for byte in s.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = Array("0123456789ABCDEF")
            out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
        }
    }
    return out
}
