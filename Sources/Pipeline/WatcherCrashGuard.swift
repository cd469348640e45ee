import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Tells "the analysis crashed" apart from "the whole watcher was killed". Both leave a job `running`
/// under a dead process; only the first should count against the recording (a file that crashes the
/// analyser must not loop forever, but `kill -9`, an OOM kill of a neighbour, a power cut or a restart
/// must not fail valid recordings).
///
/// While jobs run, a handler for the crash signals (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT:
/// Swift traps and C library faults) appends the running job ids to `<catalog folder>/.<catalog>.crashed-<pid>`
/// and re-raises the signal to the previous handler (the Swift backtracer). SIGKILL cannot be caught,
/// so a killed watcher leaves no such file. Recovery counts an attempt only for jobs listed there.
enum CrashGuard {
    static let slots = 64
    // Read by the signal handler, so plain memory allocated once (no allocation, no locks in a handler).
    // Word-sized stores of job ids by workers, loads by the handler: a torn read is impossible on the
    // platforms we run on, and the worst outcome of a race is one attempt counted or not.
    nonisolated(unsafe) static var running: UnsafeMutablePointer<Int64> = {
        let p = UnsafeMutablePointer<Int64>.allocate(capacity: slots)
        p.initialize(repeating: 0, count: slots)
        return p
    }()
    nonisolated(unsafe) static var markerPath: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) static var digits = UnsafeMutablePointer<UInt8>.allocate(capacity: 24)
    nonisolated(unsafe) static var previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 32)
    static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT]
    static let lock = NSLock()
    nonisolated(unsafe) static var installed = false

    /// The marker file of process `pid` for the catalog at `catalogPath`.
    static func markerFile(catalogPath: String, pid: pid_t) -> String {
        let folder = (catalogPath as NSString).deletingLastPathComponent
        let name = "." + (catalogPath as NSString).lastPathComponent + ".crashed-\(pid)"
        return folder.isEmpty ? name : folder + "/" + name
    }

    /// Installs the handlers (once per process) writing to this process's marker for `catalogPath`.
    static func install(catalogPath: String) {
        lock.lock(); defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        markerPath = strdup(markerFile(catalogPath: catalogPath, pid: getpid()))
        _ = running; _ = digits
        for sig in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = crashHandler
            sigemptyset(&action.sa_mask)
            // On the alternate stack when the thread has one (the Swift backtracer sets them up): a stack
            // overflow is a crash of the analysis too.
            action.sa_flags = Int32(SA_ONSTACK)
            sigaction(sig, &action, previous + Int(sig))
        }
    }

    /// Marks `jobID` as running in a free slot; returns the slot for `end`.
    static func begin(jobID: Int64) -> Int? {
        lock.lock(); defer { lock.unlock() }
        for i in 0..<slots where running[i] == 0 {
            running[i] = jobID
            return i
        }
        return nil
    }

    static func end(slot: Int?) {
        guard let slot else { return }
        lock.lock(); running[slot] = 0; lock.unlock()
    }

    /// Job ids a crashed process `pid` listed, and removes its marker.
    static func crashedJobs(catalogPath: String, pid: pid_t) -> Set<Int64> {
        let file = markerFile(catalogPath: catalogPath, pid: pid)
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return [] }
        return Set(text.split(whereSeparator: \.isNewline).compactMap { Int64($0) })
    }

    static func removeMarker(catalogPath: String, pid: pid_t) {
        unlink(markerFile(catalogPath: catalogPath, pid: pid))
    }
}

/// Async-signal-safe: open/write/close/sigaction/raise only, into memory allocated beforehand.
private func crashHandler(_ sig: Int32) {
    if let path = CrashGuard.markerPath {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if fd >= 0 {
            for i in 0..<CrashGuard.slots {
                var id = CrashGuard.running[i]
                guard id > 0 else { continue }
                var n = 0
                CrashGuard.digits[23] = 0x0A
                while id > 0 && n < 22 {
                    CrashGuard.digits[22 - n] = UInt8(0x30 + id % 10)
                    id /= 10
                    n += 1
                }
                _ = write(fd, CrashGuard.digits + (23 - n), n + 1)
            }
            close(fd)
        }
    }
    sigaction(sig, CrashGuard.previous + Int(sig), nil)
    raise(sig)
}
