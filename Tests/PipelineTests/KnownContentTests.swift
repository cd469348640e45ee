import Catalog
import Foundation
import Testing
@testable import Pipeline

/// The watcher hashes a recording once, to queue it; the analysis takes that hash for the report while the
/// file still has the size and modification time it had then, and hashes it again only when it changed
/// (issue 13, item 1). The queued hash here is a marker no real file has, so the report shows which was used.
@Suite struct KnownContentTests {
    @Test func theQueuedHashIsUsedWhileTheFileIsUnchanged() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("known-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let file = root.appendingPathComponent("lesson.m4a").path
        try FileManager.default.copyItem(atPath: WatcherHardeningTests.sample("lesson-audio.m4a"), toPath: file)
        let store = try CatalogStore(path: root.appendingPathComponent("out/catalog.sqlite").path)
        let config = try PipelineConfig.builtin(name: "audio-only")
        let marker = String(repeating: "ab", count: 32)
        let sig = try #require(FileSignature.of(path: file))
        _ = try store.enqueue(path: file, sha256: marker, size: sig.size, mtime: sig.mtime, pipeline: config.name, parameters: config.parameters)
        let job = try #require(try store.claimNextJob(worker: "w", leaseSeconds: 600))
        let out = root.appendingPathComponent("out").path
        let first = try await analyzeForWatcher(job: job, outDir: out, config: config, store: store)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: first.reportDir + "/report.json"))) as? [String: Any]
        let recording = try #require(report?["recording"] as? [String: Any])
        #expect(recording["sha256"] as? String == marker, "not hashed a second time")

        // Touched since it was queued: the hash is not trusted, the file is read.
        let later = sig.mtime.addingTimeInterval(60)
        try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: file)
        var request = AnalyzeRequest(path: file, outDir: root.appendingPathComponent("out2").path, config: config)
        request.knownContent = (marker, sig.size, sig.mtime)
        let second = try AnalyzePipeline.run(request)
        let report2 = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: second.reportDir + "/report.json"))) as? [String: Any]
        let sha = try #require((report2?["recording"] as? [String: Any])?["sha256"] as? String)
        let real = try SHA256.hexDigest(ofFileAt: file)
        #expect(sha != marker && sha == real)
    }
}
