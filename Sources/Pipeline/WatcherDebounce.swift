public import Foundation

/// Size and modification time of a file: what must stay unchanged for it to count as finished.
public struct FileSignature: Sendable, Equatable, Hashable {
    /// Bytes.
    public var size: Int64
    /// Modification time.
    public var mtime: Date

    public init(size: Int64, mtime: Date) {
        self.size = size
        self.mtime = mtime
    }

    /// Reads size and mtime with `stat(2)`; nil when the path is not a regular file (gone, a folder,
    /// a socket). Works for any file name: the path never goes through a shell.
    public static func of(path: String) -> FileSignature? {
        var st = stat()
        guard Watcher.withUsablePath(path, { stat($0, &st) }) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let mtime = Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        return FileSignature(size: Int64(st.st_size), mtime: mtime)
    }
}

/// Decides when a file being written has finished: it is ready once its signature has not changed for
/// `stableSeconds`. A recorder writing in bursts, or a copy over the network, resets the clock with
/// every change. A pure state machine (time is passed in), so tests drive it with symbolic sequences.
public struct DebounceTracker: Sendable {
    /// Seconds a signature must stay unchanged.
    public let stableSeconds: Double
    private var pending: [String: (signature: FileSignature, since: Date)] = [:]

    public init(stableSeconds: Double) {
        self.stableSeconds = stableSeconds
    }

    /// Paths waiting to become stable.
    public var pendingPaths: [String] { pending.keys.sorted() }

    /// Records what `path` looks like at `now`; nil means it is gone (it is forgotten).
    public mutating func observe(path: String, signature: FileSignature?, now: Date) {
        guard let signature else { pending[path] = nil; return }
        if let old = pending[path], old.signature == signature { return }
        pending[path] = (signature, now)
    }

    /// Puts `path` back to wait another `stableSeconds` from `now` (it was quiet but not finished yet).
    public mutating func postpone(path: String, signature: FileSignature, now: Date) {
        pending[path] = (signature, now)
    }

    /// Removes and returns the files whose signature has been stable for `stableSeconds` at `now`,
    /// sorted by path.
    public mutating func takeReady(now: Date) -> [(path: String, signature: FileSignature)] {
        let ready = pending.filter { now.timeIntervalSince($0.value.since) >= stableSeconds }
            .map { (path: $0.key, signature: $0.value.signature) }
            .sorted { $0.path < $1.path }
        for r in ready { pending[r.path] = nil }
        return ready
    }
}

/// Which names the watcher ignores: hidden files and the usual partial-download / editor-temp names.
public enum WatchFilter {
    /// Suffixes of files still being written by browsers, rsync, recorders and editors.
    public static let temporarySuffixes = [".part", ".tmp", ".temp", ".crdownload", ".partial", ".download", "~",
                                           ".swp", ".lock"]

    /// Lesson plans placed next to their recordings (`<stem>.plan.yml`): read with the recording, never
    /// analysed themselves.
    public static let planSuffixes = [".plan.yml", ".plan.yaml", ".plan.json"]

    /// Whether a file with this last path component may be a finished recording.
    public static func isCandidate(name: String) -> Bool {
        if name.isEmpty || name.hasPrefix(".") { return false }
        let lower = name.lowercased()
        return !temporarySuffixes.contains { lower.hasSuffix($0) } && !planSuffixes.contains { lower.hasSuffix($0) }
    }
}

/// Which file a path names: device, inode, size and modification time. A file renamed over the path
/// (another recording) or rewritten in place has another identity.
public struct FileIdentity: Sendable, Equatable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    public var mtime: Date

    /// `stat(2)` of `path`; nil when it is not a regular file.
    public static func of(path: String) -> FileIdentity? {
        var st = stat()
        guard Watcher.withUsablePath(path, { stat($0, &st) }) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let mtime = Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size), mtime: mtime)
    }
}
