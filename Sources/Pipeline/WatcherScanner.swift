import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging

/// A file the scanner found ready to be queued: stable for the debounce period.
struct ReadyFile: Sendable, Equatable {
    var path: String
    var signature: FileSignature
}

/// What the enqueuer did with a ready file, so the scanner knows when to look at it again. Every file the
/// scanner hands out is answered once; until then the scanner leaves it alone (it is "in flight").
enum ScanAnswer: Sendable, Equatable {
    /// Queued (or found already known) with its signature: not looked at again while it keeps it.
    case settle
    /// It changed after it was taken (a writer paused longer than the debounce): watch it again from now.
    case watchAgain
    /// It cannot be taken now (the catalog failed, or it does not look finished yet): its debounce starts
    /// again at `until`.
    case postpone(until: Date)
    /// It could not be read (permissions, vanished): forgotten; a later event or rescan finds it again.
    case forget
}

/// The watcher's folder scanner: inotify events and periodic rescans give candidate files (hidden,
/// temporary, plan, excluded and special files are filtered, FIFOs and devices reported once), and the
/// debounce (`DebounceTracker`) waits until a file's size and mtime are stable. A pure state machine over
/// the file system; `ScannerLoop` runs it and streams the ready files to the enqueuer. It never touches the
/// catalog (whether a file is already known is the enqueuer's question, `Watcher.take`).
struct FolderScanner {
    let root: String
    let options: WatcherOptions
    let logger: Logger
    var tracker: DebounceTracker
    /// Files already enqueued (or found known) this run, with the signature they had, so rescans
    /// neither re-hash them nor ask the catalog again.
    var settled: [String: FileSignature] = [:]
    /// Files handed to the enqueuer and not answered yet, with the signature they had.
    var inFlight: [String: FileSignature] = [:]
    /// Paths of FIFOs, devices and sockets already logged, so each is reported once.
    var reportedSpecial: Set<String> = []

    init(root: String, options: WatcherOptions, logger: Logger = Logger(label: "lessonlens.watch")) {
        self.root = root
        self.options = options
        self.logger = logger
        self.tracker = DebounceTracker(stableSeconds: options.debounceSeconds)
    }

    /// Files still waiting for the debounce.
    var pendingPaths: [String] { tracker.pendingPaths }

    /// Nothing waiting for the debounce and nothing handed out unanswered.
    var isIdle: Bool { tracker.pendingPaths.isEmpty && inFlight.isEmpty }

    /// One tick: inotify's events, a full rescan when due (or when inotify overflowed), a fresh look at
    /// every pending file; returns the files stable for the debounce period (sorted by path, now in
    /// flight until answered) and whether a rescan ran.
    mutating func poll(inotify: InotifyMonitor?, rescanDue: Bool, now: Date) -> (ready: [ReadyFile], rescanned: Bool) {
        var rescan = rescanDue
        if let events = inotify?.drain() {
            if events.rescan { rescan = true }
            for path in events.paths { consider(path: path, now: now) }
        }
        if rescan { scan(folder: root, inotify: inotify, now: now) }
        for path in tracker.pendingPaths { tracker.observe(path: path, signature: FileSignature.of(path: path), now: now) }
        let ready = tracker.takeReady(now: now).map { ReadyFile(path: $0.path, signature: $0.signature) }
        for file in ready { inFlight[file.path] = file.signature }
        return (ready, rescan)
    }

    /// The enqueuer's answer about `file` (handed out by `poll`, or a batch file taken directly).
    mutating func answer(_ answer: ScanAnswer, for file: ReadyFile, now: Date) {
        inFlight[file.path] = nil
        switch answer {
        case .settle:
            settled[file.path] = file.signature
            // Events for it were ignored while it was in flight: a change made meanwhile is seen now.
            consider(path: file.path, now: now)
        case .watchAgain:
            tracker.observe(path: file.path, signature: FileSignature.of(path: file.path), now: now)
        case .postpone(let until):
            tracker.postpone(path: file.path, signature: file.signature, now: until)
        case .forget:
            break
        }
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
        guard inFlight[path] == nil else { return }  // the enqueuer has it; its answer decides
        let sig = FileSignature.of(path: path)
        if let sig, settled[path] == sig { return }
        tracker.observe(path: path, signature: sig, now: now)
    }
}
