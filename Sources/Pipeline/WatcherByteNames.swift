import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files whose names are not valid UTF-8 (GBK or Latin-1 from a Windows share; issue 14, item 12).
///
/// Such a file travels through the watcher, the catalog and the reports under its escaped name
/// (`Watcher.escaped`: the bad bytes as `\xNN`, a backslash as `\\`), a String every layer can hold,
/// log and show. Only where the file system is asked is it turned back into bytes: `withUsablePath`
/// opens the file by its bytes and hands the caller `/proc/self/fd/N`, which every Foundation, FFmpeg
/// and POSIX call accepts and which follows the opened file.
///
/// The escaped form is reversible (`unescape`), but a valid UTF-8 name may itself contain the text
/// `\xE9`; the name as given is therefore always tried first, and the bytes only when no such file exists.
extension Watcher {
    /// The bytes an escaped name stands for, or nil when `shown` has no escape in it (or a malformed one).
    public static func unescape(_ shown: String) -> [UInt8]? {
        guard shown.contains("\\") else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(shown.utf8.count)
        let bytes = Array(shown.utf8)
        var i = 0
        var changed = false
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "\\") else { out.append(bytes[i]); i += 1; continue }
            if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\\") {
                out.append(UInt8(ascii: "\\")); i += 2; changed = true; continue
            }
            guard i + 3 < bytes.count, bytes[i + 1] == UInt8(ascii: "x"),
                  let hi = hexValue(bytes[i + 2]), let lo = hexValue(bytes[i + 3]) else { return nil }
            out.append(hi << 4 | lo)
            i += 4
            changed = true
        }
        return changed ? out : nil
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    /// The name of a directory entry as the watcher carries it: the string when the bytes are valid
    /// UTF-8, else the escaped form.
    static func carriedName(_ bytes: [UInt8]) -> String {
        String(validating: bytes, as: UTF8.self) ?? escaped(bytes)
    }

    /// Opens the file named by `bytes` read-only and non-blocking (a FIFO does not block); the
    /// descriptor, or -1 with `errno` set.
    public static func open(bytes: [UInt8]) -> Int32 {
        (bytes + [0]).withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { Glibc.open($0.baseAddress!, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        }
    }

    /// The descriptor of the file `path` stands for when it names no file itself but its unescaped
    /// bytes do; nil when `path` is to be used as it is.
    private static func openEscaped(_ path: String) -> Int32? {
        var st = stat()
        guard path.contains("\\"), lstat(path, &st) != 0, let bytes = unescape(path) else { return nil }
        let fd = open(bytes: bytes)
        return fd >= 0 ? fd : nil
    }

    /// Runs `body` with a path the system can open for `path`: `path` itself when it names a file (or
    /// has no escape), else `/proc/self/fd/N` of the file named by its unescaped bytes, opened read-only
    /// and non-blocking for the duration of `body`. `stat(2)` of that path is the opened file's, so
    /// callers check the file type with it as before.
    public static func withUsablePath<T>(_ path: String, _ body: (String) throws -> T) rethrows -> T {
        guard let fd = openEscaped(path) else { return try body(path) }
        defer { close(fd) }
        return try body("/proc/self/fd/\(fd)")
    }

    /// `withUsablePath` for async work (the analysis of one job).
    public static func withUsablePath<T>(_ path: String, _ body: (String) async throws -> T) async rethrows -> T {
        guard let fd = openEscaped(path) else { return try await body(path) }
        defer { close(fd) }
        return try await body("/proc/self/fd/\(fd)")
    }
}
