import Catalog
import Foundation
import Logging

/// The watcher's enqueuer: a file the scanner streams as ready is checked against the catalog (this path,
/// size and mtime already queued: nothing to do) and for being a finished recording, hashed on the hashing
/// thread and queued; a content already queued or analysed becomes a `duplicate`, and a new version of a
/// path supersedes the old result. Each file is answered back to the scanner (`ScanAnswer`).
extension Watcher {
    /// The enqueuer: takes each file the scanner streams, and answers the scanner, until the watcher stops.
    func enqueue(from scan: ScannerLoop) async {
        for await file in scan.readyFiles {
            if stopping { break }
            await scan.answer(await take(file), for: file)
        }
    }

    /// A stable file: skip if known, else hash and enqueue. Returns when the scanner should look at it again.
    func take(_ file: ReadyFile) async -> ScanAnswer {
        let (path, signature) = (file.path, file.signature)
        do {
            if options.files == nil, try await catalog({ try $0.isKnown(path: path, size: signature.size, mtime: signature.mtime) }) {
                unfinished.forget(path: path)
                return .settle
            }
            if options.files == nil, options.checkCompleteness, let again = unfinished.check(path: path, signature: signature) {
                return .postpone(until: again)
            }
            let sha = try await Watcher.hash(path: path, on: hashing)
            // Changed while hashing (a writer paused longer than the debounce): watch it again.
            guard FileSignature.of(path: path) == signature else { return .watchAgain }
            let pipeline = options.pipeline
            let outcome = try await catalog {
                try $0.enqueue(path: path, sha256: sha, size: signature.size, mtime: signature.mtime,
                               pipeline: pipeline.name, parameters: pipeline.parameters)
            }
            unfinished.forget(path: path)
            if case .alreadyKnown = outcome {} else { await supersedeEarlierVersions(of: path, by: outcome.job) }
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
            return .settle
        } catch let error as CatalogError {
            // The catalog failed (disk full, locked): the file is fine, so keep it pending and try later;
            // `--once` gives up (exit 74) after repeated failures rather than exiting as if all were done.
            noteCatalogFailure(error)
            emit(.skipped(path: path, reason: "\(error)"))
            logger.warning("cannot take file", metadata: ["file": "\(String(reflecting: path))", "error": "\(error)"])
            return .postpone(until: catalogRetryAt)
        } catch {
            // Unreadable now (permissions, vanished): forget it; the next rescan sees it again if it is back.
            emit(.skipped(path: path, reason: "\(error)"))
            logger.warning("cannot take file", metadata: ["file": "\(String(reflecting: path))", "error": "\(error)"])
            return .forget
        }
    }

    /// A new version of `path` was enqueued: earlier versions' results (partial uploads) are superseded and
    /// their report folders removed, so one recording does not leave one report per piece.
    func supersedeEarlierVersions(of path: String, by job: JobRow) async {
        do {
            let jobID = job.id
            for old in try await catalog({ try $0.supersedeEarlierVersions(path: path, by: jobID) }) {
                logger.warning("superseded by a later version of the file",
                               metadata: ["job": "\(old.id)", "by": "\(job.id)", "file": "\(String(reflecting: path))"])
                if let dir = old.reportDir, old.state == .done, (try? await catalog({ try $0.hasDoneJob(reportDir: dir) })) == false {
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
