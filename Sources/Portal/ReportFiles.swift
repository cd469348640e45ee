import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which file a URL may name: only a regular file inside the lesson's report folder, which itself lies
/// inside the output folder, both after resolving symbolic links. The report folder comes from the
/// catalog (job id → result row), never from the URL; the URL only names a path inside it, and any `..`,
/// `.`, empty, hidden (`.x`), absolute or backslash component is refused before the disk is asked.
enum ReportFiles {
    /// The components of a relative path, or nil when any is not a plain name.
    static func components(_ path: String) -> [String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !parts.isEmpty, parts.allSatisfy(isPlainName) else { return nil }
        return parts
    }

    static func isPlainName(_ s: String) -> Bool {
        !s.isEmpty && !s.hasPrefix(".") && !s.contains("/") && !s.contains("\\") && !s.contains("\u{0}") && s.utf8.count <= 255
    }

    /// The components of a URL path after `prefix`, percent-decoded one by one (so `%2F` cannot join two).
    static func urlComponents(_ rawPath: String, after prefixCount: Int) -> [String]? {
        let raw = rawPath.split(separator: "/", omittingEmptySubsequences: false).dropFirst(1 + prefixCount)
        var out: [String] = []
        for r in raw {
            guard let d = String(r).removingPercentEncoding, isPlainName(d) else { return nil }
            out.append(d)
        }
        return out.isEmpty ? nil : out
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func isInside(_ path: String, _ folder: String) -> Bool {
        let f = folder.hasSuffix("/") ? folder : folder + "/"
        return path.hasPrefix(f)
    }

    /// The report folder of a lesson, resolved, if it lies inside the (resolved) output folder.
    static func reportFolder(_ reportDir: String, outputRoot: String) -> String? {
        guard let real = realPath(reportDir), isInside(real, outputRoot), isDirectory(real) else { return nil }
        return real
    }

    /// The resolved path of `parts` inside `folder`, if it is a regular file that stays inside.
    static func file(_ parts: [String], in folder: String) -> String? {
        guard let real = realPath(folder + "/" + parts.joined(separator: "/")), isInside(real, folder) else { return nil }
        guard attributes(real)?.type == .typeRegular else { return nil }
        return real
    }

    static func isDirectory(_ p: String) -> Bool {
        attributes(p)?.type == .typeDirectory
    }

    static func size(_ p: String) -> Int? {
        guard let a = attributes(p), a.type == .typeRegular else { return nil }
        return a.size
    }

    /// Type and size of what `p` names once symbolic links are resolved. FileManager rather than `stat`:
    /// which module the C `stat` struct's members come from differs between a fresh and an incremental
    /// build under MemberImportVisibility (a fresh CI build failed on `st_mode`).
    static func attributes(_ p: String) -> (type: FileAttributeType, size: Int)? {
        guard let real = realPath(p), let a = try? FileManager.default.attributesOfItem(atPath: real),
              let type = a[.type] as? FileAttributeType else { return nil }
        return (type, (a[.size] as? NSNumber)?.intValue ?? 0)
    }

    static func contentType(_ path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html", "htm": return "text/html; charset=utf-8"
        case "json": return "application/json"
        case "csv": return "text/csv; charset=utf-8"
        case "vtt": return "text/vtt; charset=utf-8"
        case "txt", "log": return "text/plain; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "mp4", "m4v": return "video/mp4"
        case "m4a": return "audio/mp4"
        case "mov": return "video/quicktime"
        case "ts": return "video/mp2t"
        case "webm": return "video/webm"
        case "mkv": return "video/x-matroska"
        case "mp3": return "audio/mpeg"
        case "wav": return "audio/wav"
        case "jpg", "jpeg": return "image/jpeg"
        case "png": return "image/png"
        case "svg": return "image/svg+xml"
        default: return "application/octet-stream"
        }
    }
}

/// One byte range of a `Range` header (RFC 9110 §14.1.2); several ranges are answered with the whole file.
enum ByteRange: Equatable {
    case none
    case satisfiable(ClosedRange<Int>)
    case unsatisfiable

    static func parse(_ header: String?, size: Int) -> ByteRange {
        guard let h = header?.trimmingCharacters(in: .whitespaces), h.lowercased().hasPrefix("bytes=") else { return .none }
        let spec = h.dropFirst(6)
        guard !spec.contains(",") else { return .none }
        let ab = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard ab.count == 2 else { return .none }
        let a = ab[0].trimmingCharacters(in: .whitespaces), b = ab[1].trimmingCharacters(in: .whitespaces)
        if a.isEmpty {
            guard let n = Int(b) else { return .none }
            guard n > 0 else { return .unsatisfiable }
            guard size > 0 else { return .unsatisfiable }
            return .satisfiable(max(0, size - n)...(size - 1))
        }
        guard let start = Int(a), start >= 0 else { return .none }
        guard start < size else { return .unsatisfiable }
        if b.isEmpty { return .satisfiable(start...(size - 1)) }
        guard let end = Int(b), end >= start else { return .none }
        return .satisfiable(start...min(end, size - 1))
    }
}
