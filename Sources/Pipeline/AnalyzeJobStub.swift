// TEMPORARY STUB (branch `catalog` only): stands in for the lead's `analyzeJob` in AnalyzeJob.swift so
// the watcher and its CLI can be built and tested before the real pipeline lands. DELETE ON MERGE.
import Catalog
import Foundation
import MediaCore

/// Stub of the real analysis: fails with exit 66 for a missing file and 65 for an empty file or one
/// starting with `BAD`; otherwise writes a minimal `report.json` under `outDir/<sha256 prefix>/`.
/// `LESSONLENS_STUB_DELAY` (seconds) makes it slow, for kill -9 tests.
public func analyzeJob(path: String, outDir: String, config: PipelineConfig) async throws -> (reportDir: String, report: Report) {
    guard let sig = FileSignature.of(path: path) else { throw SimpleError(.inputMissing, "cannot open '\(path)': no such file") }
    let head = (FileHandle(forReadingAtPath: path)?.readData(ofLength: 3)).map { Array($0) } ?? []
    if sig.size == 0 || head == Array("BAD".utf8) {
        throw SimpleError(.badMedia, "cannot decode '\(path)': Invalid data found when processing input (stub)")
    }
    if let delay = ProcessInfo.processInfo.environment["LESSONLENS_STUB_DELAY"].flatMap(Double.init), delay > 0 {
        try await Task.sleep(for: .seconds(delay))
    }
    let sha = try SHA256.hexDigest(ofFileAt: path)
    let id = String(sha.prefix(16))
    let dir = outDir + "/" + id
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let report = Report(generator: "lessonlens stub", generatedAt: ISO8601DateFormatter().string(from: Date()),
                        language: config.text("report.language"),
                        recording: RecordingSummary(id: id, file: (path as NSString).lastPathComponent, path: path,
                                                    sha256: sha, sizeBytes: sig.size, durationSeconds: Double(sig.size) / 1000,
                                                    startSeconds: 0, container: "stub", video: nil, audio: nil),
                        pipeline: config.summary)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(report).write(to: URL(fileURLWithPath: dir + "/report.json"), options: .atomic)
    return (dir, report)
}
