import Catalog
import Foundation
import Logging

/// The watcher's enqueuer: a file the scanner found ready is checked against the catalog (this path,
/// size and mtime already queued: nothing to do), hashed on the hashing thread and queued; a content
/// already queued or analysed becomes a `duplicate`, and a new version of a path supersedes the old result.
extension Watcher {
    /// A stable file: skip if known, else hash and enqueue.
    func take(path: String, signature: FileSignature) async {
        do {
            if options.files == nil, try store.isKnown(path: path, size: signature.size, mtime: signature.mtime) {
                scanner.settle(path: path, signature: signature)
                return
            }
            if options.files == nil, options.checkCompleteness, !scanner.isFinished(path: path, signature: signature) { return }
            let sha = try await Watcher.hash(path: path, on: hashing)
            // Changed while hashing (a writer paused longer than the debounce): watch it again.
            guard FileSignature.of(path: path) == signature else {
                scanner.watchAgain(path: path, now: Date())
                return
            }
            let outcome = try store.enqueue(path: path, sha256: sha, size: signature.size, mtime: signature.mtime,
                                            pipeline: options.pipeline.name, parameters: options.pipeline.parameters)
            scanner.settle(path: path, signature: signature)
            if case .alreadyKnown = outcome {} else { supersedeEarlierVersions(of: path, by: outcome.job) }
            switch outcome {
            case .queued(let job):
                emit(.queued(job))
                stats.enqueued += 1
                logger.info("queued", metadata: ["job": "\(job.id)", "file": "\(String(reflecting: path))"])
            case .duplicate(let dup, let original):
                emit(.duplicate(dup, original: original))
                stats.duplicates += 1
                logger.info("duplicate content, not analysed again",
                            metadata: ["job": "\(dup.id)", "of": "\(original.id)", "file": "\(String(reflecting: path))"])
            case .alreadyKnown(let job):
                emit(.alreadyKnown(job))
            }
        } catch let error as CatalogError {
            // The catalog failed (disk full, locked): the file is fine, so keep it pending and try later;
            // `--once` gives up (exit 74) after repeated failures rather than exiting as if all were done.
            noteCatalogFailure(error)
            scanner.postpone(path: path, signature: signature, until: catalogRetryAt)
            emit(.skipped(path: path, reason: "\(error)"))
            logger.warning("cannot take file", metadata: ["file": "\(String(reflecting: path))", "error": "\(error)"])
        } catch {
            // Unreadable now (permissions, vanished): forget it; the next rescan sees it again if it is back.
            emit(.skipped(path: path, reason: "\(error)"))
            logger.warning("cannot take file", metadata: ["file": "\(String(reflecting: path))", "error": "\(error)"])
        }
    }

    /// A new version of `path` was enqueued: earlier versions' results (partial uploads) are superseded and
    /// their report folders removed, so one recording does not leave one report per piece.
    func supersedeEarlierVersions(of path: String, by job: JobRow) {
        do {
            for old in try store.supersedeEarlierVersions(path: path, by: job.id) {
                logger.warning("superseded by a later version of the file",
                               metadata: ["job": "\(old.id)", "by": "\(job.id)", "file": "\(String(reflecting: path))"])
                if let dir = old.reportDir, old.state == .done, (try? store.hasDoneJob(reportDir: dir)) == false {
                    try? FileManager.default.removeItem(atPath: dir)
                }
            }
        } catch {
            logger.error("cannot supersede earlier versions", metadata: ["file": "\(String(reflecting: path))", "error": "\(error)"])
        }
    }

    /// SHA-256 of the file, on the hashing thread (on the caller's executor when there is none).
    static func hash(path: String, on executor: ThreadPoolExecutor?) async throws -> String {
        try await withTaskExecutorPreference(executor) {
            try Watcher.withUsablePath(path) { try SHA256.hexDigest(ofFileAt: $0) }
        }
    }
}
