import Foundation
import MediaCore

/// Creating output folders, with the one error every command gives when it cannot (exit 73).
public enum OutputFolder {
    /// Creates `path` and its parents. The message names `shown` (the folder the user gave), default `path`.
    public static func create(_ path: String, reportingAs shown: String? = nil) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw PipelineError.cannotCreateFolder(path: shown ?? path, reason: (error as NSError).localizedDescription)
        }
    }
}

extension OutputFolder {
    /// What `recoverTemporaries` did.
    public struct Recovery: Sendable, Equatable {
        /// Hidden temporary folders removed (their owning process is gone).
        public var removed: [String] = []
        /// `*.old-*` folders put back because the report they were replacing never arrived.
        public var restored: [String] = []
    }

    /// Removes the temporary folders a killed analysis left in `outDir`: `.<id>.partial-<pid>-<n>` (a
    /// report being written) and `<id>.old-<pid>-<n>` (the previous report while it is replaced), when
    /// process `<pid>` no longer exists. An `.old-` folder whose report folder is missing (killed between
    /// the two renames) is renamed back, so the catalog's row keeps its report. Folders of a live process
    /// (another `analyze` or watcher at work) are left alone. Never throws: recovery is best effort.
    @discardableResult
    public static func recoverTemporaries(in outDir: String) -> Recovery {
        var recovery = Recovery()
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: outDir) else { return recovery }
        for name in names.sorted() {
            guard let (finalName, pid) = temporaryOwner(name) else { continue }
            guard !isAlive(pid) else { continue }
            let path = (outDir as NSString).appendingPathComponent(name)
            let finalPath = (outDir as NSString).appendingPathComponent(finalName)
            if name.hasPrefix(".") || fm.fileExists(atPath: finalPath) {
                if (try? fm.removeItem(atPath: path)) != nil { recovery.removed.append(path) }
            } else if (try? fm.moveItem(atPath: path, toPath: finalPath)) != nil {
                recovery.restored.append(finalPath)
            }
        }
        return recovery
    }

    /// For a temporary folder name, the report folder it belongs to and the pid in its name.
    static func temporaryOwner(_ name: String) -> (finalName: String, pid: pid_t)? {
        func parse(_ rest: Substring) -> pid_t? {
            let parts = rest.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let pid = pid_t(parts[0]), pid > 0, UInt32(parts[1]) != nil else { return nil }
            return pid
        }
        if name.hasPrefix("."), let r = name.range(of: ".partial-", options: .backwards) {
            let id = name[name.index(after: name.startIndex)..<r.lowerBound]
            guard !id.isEmpty, let pid = parse(name[r.upperBound...]) else { return nil }
            return (String(id), pid)
        }
        if !name.hasPrefix("."), let r = name.range(of: ".old-", options: .backwards) {
            let id = name[..<r.lowerBound]
            guard !id.isEmpty, let pid = parse(name[r.upperBound...]) else { return nil }
            return (String(id), pid)
        }
        return nil
    }

    /// Whether process `pid` exists (EPERM: it exists but belongs to someone else).
    static func isAlive(_ pid: pid_t) -> Bool {
        if kill(pid, 0) == 0 { return true }
        return errno != ESRCH
    }
}

extension OutputFolder {
    /// Room kept for a report besides its clips: report.html/json, csv, vtt, thumbnails, the catalog's
    /// WAL growth (a few hundred KB in practice; 8 MB leaves margin for long lessons).
    public static let reportReserveBytes: Int64 = 8 << 20

    /// Bytes available to this process in the file system holding `path` (nil if unknown).
    public static func freeBytes(at path: String) -> Int64? {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return nil }
        return Int64(st.f_bavail) * Int64(st.f_frsize)
    }

    /// Throws an I/O error (exit 74, transient for the watcher) when `folder`'s file system has fewer than
    /// `bytes` free, saying how much is free and how much `what` needs. Unknown free space passes.
    public static func requireFreeSpace(in folder: String, bytes: Int64, for what: String) throws {
        guard let free = freeBytes(at: folder), free < bytes else { return }
        throw PipelineError.notEnoughSpace(folder: folder, what: what, free: free, needed: bytes, reserve: reportReserveBytes)
    }
}
