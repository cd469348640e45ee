import Foundation

/// An anonymous temporary file for the analysis's bounded-memory records (`BlockStore`, `SampleSpill`):
/// created with `mkstemp` in the temporary folder and unlinked at once, so nothing is left behind even
/// after a crash; whole reads and writes at an offset, retried on EINTR.
enum TempFile {
    /// A descriptor of a new unlinked file named `prefix-XXXXXX` (in `directory`, by default the
    /// temporary folder) while it existed, or nil.
    static func anonymous(prefix: String, in directory: String? = nil) -> Int32? {
        let dir = directory ?? FileManager.default.temporaryDirectory.path
        var template = Array((dir + "/" + prefix + "-XXXXXX").utf8CString)
        let f = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard f >= 0 else { return nil }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return f
    }

    /// Writes `bytes` bytes at `offset`; returns how many were written (short: disk full or failing).
    static func write(_ fd: Int32, _ base: UnsafeRawPointer, _ bytes: Int, at offset: off_t) -> Int {
        var done = 0
        while done < bytes {
            let w = pwrite(fd, base + done, bytes - done, offset + off_t(done))
            if w < 0 && errno == EINTR { continue }
            if w <= 0 { return done }
            done += w
        }
        return done
    }

    /// Reads `bytes` bytes at `offset`; returns how many were read (short: the disk failed under us).
    static func read(_ fd: Int32, _ base: UnsafeMutableRawPointer, _ bytes: Int, at offset: off_t) -> Int {
        var done = 0
        while done < bytes {
            let r = pread(fd, base + done, bytes - done, offset + off_t(done))
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { return done }
            done += r
        }
        return done
    }
}
