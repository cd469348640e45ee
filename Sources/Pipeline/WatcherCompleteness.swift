public import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Whether a file that has stopped changing is really a finished recording. Quiet time alone is not
/// enough: an upload that pauses longer than the debounce would be analysed early, once per piece.
/// Container checks read only the few header bytes they need (and never open a FIFO: callers pass only
/// regular files); the open-writer check looks for another process holding the file open for writing.
public enum UploadCompleteness {
    /// Nil when `path` (of `size` bytes) looks complete, else why it is not finished yet.
    public static func incompleteReason(path: String, size: Int64, checkWriters: Bool = true) -> String? {
        if let reason = containerReason(path: path, size: size) { return reason }
        if checkWriters, let pid = openWriter(path: path) { return "still open for writing by process \(pid)" }
        return nil
    }

    /// Structural checks by container: an MP4/MOV whose boxes do not add up to the file size or that has
    /// no `moov` index yet; a TS whose size is not a whole number of packets; a WAV shorter than its
    /// RIFF header says. Files that do not look like the container their name says are left to the
    /// analysis (it reports bad media with its own reason).
    public static func containerReason(path: String, size: Int64) -> String? {
        let ext = (path as NSString).pathExtension.lowercased()
        guard let handle = Watcher.withUsablePath(path, { FileHandle(forReadingAtPath: $0) }) else { return nil }
        defer { try? handle.close() }
        switch ext {
        case "mp4", "m4a", "m4v", "mov", "3gp", "3g2":
            return isoBMFFReason(handle, size: size)
        case "ts", "m2ts", "mts":
            guard let head = try? handle.read(upToCount: 5), head.count == 5 else { return nil }
            let packet: Int64 = head[0] == 0x47 ? 188 : (head[4] == 0x47 ? 192 : 0)
            guard packet > 0 else { return nil }
            return size % packet == 0 ? nil : "the last \(packet)-byte transport packet is cut (\(size) bytes)"
        case "wav":
            guard let head = try? handle.read(upToCount: 12), head.count == 12,
                  head.prefix(4).elementsEqual("RIFF".utf8), head[8..<12].elementsEqual("WAVE".utf8) else { return nil }
            let riff = Int64(UInt32(head[4]) | UInt32(head[5]) << 8 | UInt32(head[6]) << 16 | UInt32(head[7]) << 24)
            // 0 and 0xFFFFFFFF are what streaming writers leave when they never seek back: unknown, accept.
            guard riff != 0, riff != 0xFFFF_FFFF else { return nil }
            return riff + 8 > size ? "shorter than its RIFF header says (\(size) of \(riff + 8) bytes)" : nil
        default:
            return nil
        }
    }

    /// Box types an MP4/MOV may start with; anything else is not ours to judge.
    static let leadingBoxes: Set<String> = ["ftyp", "moov", "mdat", "free", "skip", "wide", "pnot", "styp", "uuid", "junk"]

    static func isoBMFFReason(_ handle: FileHandle, size: Int64) -> String? {
        var offset: Int64 = 0
        var sawMoov = false
        var first = true
        for _ in 0..<100_000 {
            if offset == size { break }
            guard size - offset >= 8 else { return first ? nil : "cut inside a box header at byte \(offset)" }
            guard (try? handle.seek(toOffset: UInt64(offset))) != nil,
                  let header = try? handle.read(upToCount: 16), header.count >= 8 else { return nil }
            var boxSize = Int64(header.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let type = String(decoding: header[4..<8], as: UTF8.self)
            if first {
                guard leadingBoxes.contains(type) else { return nil }
                first = false
            }
            if boxSize == 1 {
                guard header.count == 16 else { return "cut inside a box header at byte \(offset)" }
                boxSize = Int64(bitPattern: header[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            } else if boxSize == 0 {
                boxSize = size - offset  // "to the end of the file"
            }
            guard boxSize >= 8 else { return nil }  // not a box chain after all: let the analysis judge
            if type == "moov" { sawMoov = true }
            if offset + boxSize > size {
                return "box '\(type)' at byte \(offset) needs \(boxSize) bytes, only \(size - offset) are there"
            }
            offset += boxSize
        }
        return sawMoov ? nil : "no 'moov' index yet (an MP4 gets it when the writer finishes)"
    }

    /// The pid of another process that has `path` open for writing (Linux: its `/proc/<pid>/fd` links,
    /// like `fuser`), or nil. Compares device and inode, so symlinked folders do not matter.
    public static func openWriter(path: String) -> pid_t? {
        #if os(Linux)
        var target = stat()
        guard Watcher.withUsablePath(path, { stat($0, &target) }) == 0 else { return nil }
        let me = getpid()
        guard let procs = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in procs {
            guard let pid = pid_t(entry), pid != me else { continue }
            let fdDir = "/proc/\(entry)/fd"
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: fdDir) else { continue }
            for fd in fds {
                var st = stat()
                guard stat(fdDir + "/" + fd, &st) == 0, st.st_dev == target.st_dev, st.st_ino == target.st_ino else { continue }
                if isOpenForWriting(pid: entry, fd: fd) { return pid }
            }
        }
        #endif
        return nil
    }

    /// `flags:` in `/proc/<pid>/fdinfo/<fd>` is octal; the access mode is its low two bits.
    static func isOpenForWriting(pid: String, fd: String) -> Bool {
        guard let info = try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(fd)", encoding: .utf8) else { return true }
        for line in info.split(separator: "\n") where line.hasPrefix("flags:") {
            let value = line.dropFirst("flags:".count).trimmingCharacters(in: .whitespaces)
            guard let flags = Int(value, radix: 8) else { return true }
            return flags & Int(O_ACCMODE) != Int(O_RDONLY)
        }
        return true
    }
}

/// The enqueuer's memory of quiet files that did not look finished (a cut container, a process still
/// writing): since when each has looked so, to take it anyway once it has stayed that way, unchanged and
/// unwritten, for `incompleteGiveUpSeconds` (a recorder that died mid-file leaves an analysable recording).
struct UnfinishedFiles {
    let options: WatcherOptions
    let logger: Logger
    private var files: [String: (signature: FileSignature, since: Date, reason: String)] = [:]

    init(options: WatcherOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Nil when the quiet file is a finished recording (or has looked unfinished long enough to be taken
    /// anyway); else when its debounce should start again: looked at again after another debounce period,
    /// and at most once a second (the writer check lists /proc).
    mutating func check(path: String, signature: FileSignature, now: Date = Date()) -> Date? {
        let writer = UploadCompleteness.openWriter(path: path)
        let structure = UploadCompleteness.containerReason(path: path, size: signature.size)
        guard let reason = writer.map({ "still open for writing by process \($0)" }) ?? structure else {
            files[path] = nil
            return nil
        }
        var since = now
        if let earlier = files[path], earlier.signature == signature { since = earlier.since }
        // `--once` processes what is there: a cut file nobody is writing is taken after a short wait.
        let giveUp = options.exitWhenIdle ? min(options.incompleteGiveUpSeconds, max(3 * options.debounceSeconds, 5))
                                          : options.incompleteGiveUpSeconds
        if writer == nil, now.timeIntervalSince(since) >= giveUp {
            logger.warning("taking a file that still looks unfinished: it has not changed for a long time",
                           metadata: ["file": "\(String(reflecting: path))", "reason": "\(reason)"])
            files[path] = nil
            return nil
        }
        if files[path]?.reason != reason {
            logger.info("not finished yet, waiting", metadata: ["file": "\(String(reflecting: path))", "reason": "\(reason)"])
        }
        files[path] = (signature, since, reason)
        return now.addingTimeInterval(max(0, 1 - options.debounceSeconds))
    }

    /// `path` was queued: forgotten.
    mutating func forget(path: String) { files[path] = nil }
}
