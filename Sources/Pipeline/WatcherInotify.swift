import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Change notifications for a set of folders via Linux inotify. Only a hint: the watcher also rescans
/// periodically, so an event lost to a queue overflow only delays a file. Runs its own thread (blocking
/// `poll(2)`), so a busy Swift concurrency pool cannot delay reading the kernel queue.
final class InotifyMonitor: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `lock`; `fd` is immutable after init.
    private let fd: Int32
    private let lock = NSLock()
    private var watches: [Int32: String] = [:]
    private var watchedFolders: Set<String> = []
    private var changed: Set<String> = []
    private var rescanRequested = false
    private var stopped = false
    private var thread: Thread?

    /// Nil when inotify is unavailable (not Linux, or the per-user instance limit is reached); the
    /// watcher then relies on rescans alone.
    init?() {
        #if os(Linux)
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if fd < 0 { return nil }
        self.fd = fd
        #else
        return nil
        #endif
    }

    deinit { close(fd) }

    /// Starts watching `folder` (idempotent). Returns false if the kernel refused (e.g. watch limit).
    @discardableResult
    func watch(folder: String) -> Bool {
        #if os(Linux)
        lock.lock(); defer { lock.unlock() }
        if watchedFolders.contains(folder) { return true }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ATTRIB)
        let wd = inotify_add_watch(fd, folder, mask)
        if wd < 0 { return false }
        watches[wd] = folder
        watchedFolders.insert(folder)
        return true
        #else
        return false
        #endif
    }

    func start() {
        let t = Thread { [self] in self.loop() }
        t.name = "lessonlens-inotify"
        lock.lock(); thread = t; lock.unlock()
        t.start()
    }

    func stop() {
        lock.lock(); stopped = true; lock.unlock()
    }

    /// Paths reported changed since the last call, and whether a rescan is needed (new folder, overflow).
    func drain() -> (paths: Set<String>, rescan: Bool) {
        lock.lock(); defer { lock.unlock() }
        let out = (changed, rescanRequested)
        changed = []
        rescanRequested = false
        return out
    }

    private func loop() {
        #if os(Linux)
        // Room for many events per read; an event is 16 bytes plus a name of at most NAME_MAX + 1.
        let capacity = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            lock.lock(); let done = stopped; lock.unlock()
            if done { return }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            // 200 ms: how quickly stop() is noticed; events themselves wake poll at once.
            let ready = poll(&pfd, 1, 200)
            if ready <= 0 { continue }
            let n = read(fd, buffer, capacity)
            if n <= 0 { continue }
            parse(UnsafeRawBufferPointer(start: buffer, count: n))
        }
        #endif
    }

    #if os(Linux)
    private func parse(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        lock.lock(); defer { lock.unlock() }
        // struct inotify_event { int wd; uint32_t mask; uint32_t cookie; uint32_t len; char name[]; }
        while offset + 16 <= bytes.count {
            let wd = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let len = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameStart = offset + 16
            offset = nameStart + len
            if mask & UInt32(IN_Q_OVERFLOW) != 0 { rescanRequested = true; continue }
            guard len > 0, offset <= bytes.count, let folder = watches[wd] else { continue }
            // The name is NUL-padded; take the bytes up to the first NUL.
            let raw = bytes[nameStart..<(nameStart + len)]
            let nameBytes = raw.prefix(while: { $0 != 0 })
            // A name that is not valid UTF-8 travels escaped (WatcherByteNames.swift).
            let name = Watcher.carriedName(Array(nameBytes))
            if mask & UInt32(IN_ISDIR) != 0 { rescanRequested = true; continue }
            changed.insert(folder + "/" + name)
        }
    }
    #endif
}
