import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The watcher's folder scanner: inotify events and periodic rescans give candidate files (hidden,
/// temporary, plan, excluded and special files are filtered, FIFOs and devices reported once), the
/// debounce (`DebounceTracker`) waits until a file's size and mtime are stable, and `isFinished` checks it
/// is a whole recording. A value the `Watcher` owns; it never touches the catalog (whether a file is
/// already known is the enqueuer's question, `Watcher.take`).
struct FolderScanner {
    let root: String
    let options: WatcherOptions
    let logger: Logger
    var tracker: DebounceTracker
    /// Files already enqueued (or found known) this run, with the signature they had, so rescans
    /// neither re-hash them nor ask the catalog again.
    var settled: [String: FileSignature] = [:]
    /// Files found unfinished (by structure or an open writer), with the signature they had and since when.
    var unfinished: [String: (signature: FileSignature, since: Date, reason: String)] = [:]
    /// Paths of FIFOs, devices and sockets already logged, so each is reported once.
    var reportedSpecial: Set<String> = []

    init(root: String, options: WatcherOptions, logger: Logger) {
        self.root = root
        self.options = options
        self.logger = logger
        self.tracker = DebounceTracker(stableSeconds: options.debounceSeconds)
    }

    /// Files still waiting for the debounce.
    var pendingPaths: [String] { tracker.pendingPaths }

    /// One tick: inotify's events, a full rescan when due (or when inotify overflowed), a fresh look at
    /// every pending file; returns the files stable for the debounce period (sorted by path) and whether
    /// a rescan ran.
    mutating func poll(inotify: InotifyMonitor?, rescanDue: Bool, now: Date) -> (ready: [(path: String, signature: FileSignature)], rescanned: Bool) {
        var rescan = rescanDue
        if let events = inotify?.drain() {
            if events.rescan { rescan = true }
            for path in events.paths { consider(path: path, now: now) }
        }
        if rescan { scan(folder: root, inotify: inotify, now: now) }
        for path in tracker.pendingPaths { tracker.observe(path: path, signature: FileSignature.of(path: path), now: now) }
        return (tracker.takeReady(now: now), rescan)
    }

    /// `path` was queued (or found known) with `signature`: not looked at again while it keeps it.
    mutating func settle(path: String, signature: FileSignature) {
        settled[path] = signature
        unfinished[path] = nil
    }

    /// `path` changed after it was taken (a writer paused longer than the debounce): watch it again.
    mutating func watchAgain(path: String, now: Date) {
        tracker.observe(path: path, signature: FileSignature.of(path: path), now: now)
    }

    /// Looks at `path` again at `until` (the catalog could not take it now).
    mutating func postpone(path: String, signature: FileSignature, until: Date) {
        tracker.postpone(path: path, signature: signature, now: until)
    }

    func isExcluded(_ path: String) -> Bool {
        options.excludedPaths.contains { ex in
            let ex = Watcher.absolute(ex)
            return path == ex || path.hasPrefix(ex.hasSuffix("/") ? ex : ex + "/")
        }
    }

    /// Lists `folder` recursively (skipping hidden folders and excluded paths), watching each subfolder.
    mutating func scan(folder: String, inotify: InotifyMonitor?, now: Date) {
        guard let listing = Watcher.listNames(folder: folder) else { return }
        // A name that is not valid UTF-8 goes the same way under its escaped form (WatcherByteNames.swift).
        let names = listing.names + listing.invalid.map(Watcher.escaped)
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = folder + "/" + name
            if isExcluded(path) { continue }
            // stat(2), never a blocking open(2): opening a FIFO blocks until someone writes to it.
            var st = stat()
            guard Watcher.withUsablePath(path, { stat($0, &st) }) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                inotify?.watch(folder: path)
                scan(folder: path, inotify: inotify, now: now)
            case S_IFREG:
                consider(path: path, now: now)
            default:
                reportSpecial(path: path, mode: st.st_mode)
            }
        }
    }

    /// A FIFO, device or socket is never a recording (and opening a FIFO would block): logged once, skipped.
    private mutating func reportSpecial(path: String, mode: mode_t) {
        let name = (path as NSString).lastPathComponent
        guard WatchFilter.isCandidate(name: name), !isExcluded(path), reportedSpecial.insert(path).inserted else { return }
        let kind: String
        switch mode & S_IFMT {
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a regular file"
        }
        let reason = "\(kind), not a recording: skipped"
        options.onEvent?(.skipped(path: path, reason: reason))
        logger.warning("skipping file", metadata: ["file": "\(String(reflecting: path))", "reason": "\(reason)"])
    }

    mutating func consider(path: String, now: Date) {
        let name = (path as NSString).lastPathComponent
        guard WatchFilter.isCandidate(name: name), !isExcluded(path) else { return }
        var st = stat()
        if Watcher.withUsablePath(path, { stat($0, &st) }) == 0, st.st_mode & S_IFMT != S_IFREG, st.st_mode & S_IFMT != S_IFDIR {
            reportSpecial(path: path, mode: st.st_mode)
            return
        }
        let sig = FileSignature.of(path: path)
        if let sig, settled[path] == sig { return }
        tracker.observe(path: path, signature: sig, now: now)
    }

    /// Whether a quiet file is a finished recording; if not, it is looked at again after another debounce
    /// period (and taken anyway once it has looked unfinished, unchanged and unwritten for
    /// `incompleteGiveUpSeconds`).
    mutating func isFinished(path: String, signature: FileSignature) -> Bool {
        let now = Date()
        let writer = UploadCompleteness.openWriter(path: path)
        let structure = UploadCompleteness.containerReason(path: path, size: signature.size)
        guard let reason = writer.map({ "still open for writing by process \($0)" }) ?? structure else {
            unfinished[path] = nil
            return true
        }
        var since = now
        if let earlier = unfinished[path], earlier.signature == signature { since = earlier.since }
        // `--once` processes what is there: a cut file nobody is writing is taken after a short wait.
        let giveUp = options.exitWhenIdle ? min(options.incompleteGiveUpSeconds, max(3 * options.debounceSeconds, 5))
                                          : options.incompleteGiveUpSeconds
        if writer == nil, now.timeIntervalSince(since) >= giveUp {
            logger.warning("taking a file that still looks unfinished: it has not changed for a long time",
                           metadata: ["file": "\(String(reflecting: path))", "reason": "\(reason)"])
            unfinished[path] = nil
            return true
        }
        if unfinished[path]?.reason != reason {
            logger.info("not finished yet, waiting", metadata: ["file": "\(String(reflecting: path))", "reason": "\(reason)"])
        }
        unfinished[path] = (signature, since, reason)
        // Looked at again after the debounce, and at most once a second (the writer check lists /proc).
        tracker.postpone(path: path, signature: signature, now: now.addingTimeInterval(max(0, 1 - options.debounceSeconds)))
        return false
    }
}
