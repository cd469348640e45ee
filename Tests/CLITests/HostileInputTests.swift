import Foundation
import TestSupport
import Testing

/// Issue 14: files, plans and pipeline files made to hurt (aliases that multiply, forged sample tables,
/// bogus boxes, FIFOs, sparse files) through the real binary. Each is made at test time.
@Suite(.tags(.media, .slow)) struct HostileInputTests {
    static func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static func timed(_ args: [String]) throws -> (ToolResult, Double) {
        let start = Date()
        let r = try LessonLens.run(args)
        return (r, Date().timeIntervalSince(start))
    }

    static func ffmpeg(_ args: [String]) throws {
        let r = try Tool.run("/usr/bin/ffmpeg", ["-nostdin", "-v", "error", "-y"] + args)
        #expect(r.status == 0, "ffmpeg \(args): \(r.stderr)")
    }

    /// Nine levels of ten aliases each: 10^9 strings when expanded (494 bytes).
    static let billionLaughs: String = {
        var lines = ["name: lol", "parameters:", "  a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
        for i in 1...8 {
            let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ",")
            lines.append("  a\(i): &a\(i) [\(refs)]")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func billionLaughsPipelineIsRefusedFast() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try Self.write(Self.billionLaughs, "lol.yml", in: dir)
        let (r, seconds) = try Self.timed(["analyze", TestEnvironment.sample("lesson-audio.m4a"), "--pipeline", file, "--out", dir.path])
        #expect(r.status == 64, "stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
        #expect(r.stderr.contains("lol.yml") && r.stderr.contains("aliases"), "stderr: \(r.stderr)")
        #expect(seconds < 5, "refused in \(seconds) s")
    }

    @Test func aliasedPlanIsRefusedFast() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let big = String(repeating: "x", count: 100_000)
        var text = "title: &t \"\(big)\"\nknowledgePoints:\n"
        for _ in 0..<2_000 { text += "  - title: *t\n" }
        let plan = try Self.write(text, "lol.plan.yml", in: dir)
        let (r, seconds) = try Self.timed(["analyze", TestEnvironment.sample("lesson-audio.m4a"), "--lesson-plan", plan, "--out", dir.path])
        #expect(r.status == 64, "stderr: \(r.stderr.prefix(300))")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.count < 1_000, "one short line: \(r.stderr.prefix(300))")
        #expect(r.stderr.contains("lol.plan.yml"))
        #expect(seconds < 5, "refused in \(seconds) s")
    }

    @Test(arguments: [
        ("title: \"\(String(repeating: "t", count: 501))\"\n", "title has 501 characters"),
        ("knowledgePoints:\n" + String(repeating: "  - title: p\n", count: 201), "201 knowledge points"),
    ])
    func planBoundsAreUsageErrors(_ text: String, _ expected: String) throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = try Self.write(text, "big.plan.yml", in: dir)
        let r = try LessonLens.run(["analyze", TestEnvironment.sample("lesson-audio.m4a"), "--lesson-plan", plan, "--out", dir.path])
        #expect(r.status == 64)
        #expect(r.stderr.contains(expected) && r.stderr.contains("big.plan.yml"), "stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    static let malformed: [String] = [
        "parameters:\n  video.sampleFps: [1,\n",
        "parameters: {a: 1\n  b: 2\n",
        "name: x\n\tparameters: 1\n",
        "parameters:\n  video.sampleFps: \"\(String(repeating: "9", count: 200_000))\"\n",
        "{\"parameters\": {\"video.sampleFps\": }}\n",
        "parameters:\n  a: 1\n  a: 2\n",
        "- just\n- a list\n",
        "parameters:\n  x: &a 1\n  y: *b\n",
    ]

    @Test(arguments: malformed.indices)
    func pipelineParseErrorsAreOneLine(_ i: Int) throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try Self.write(Self.malformed[i], "bad.yml", in: dir)
        let r = try LessonLens.run(["analyze", TestEnvironment.sample("lesson-audio.m4a"), "--pipeline", file, "--out", dir.path])
        #expect(r.status == 64)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.count < 2_500, "one line: \(r.stderr.prefix(400))")
        #expect(r.stderr.contains("bad.yml"))
    }

    @Test(arguments: malformed.indices)
    func planParseErrorsAreOneLine(_ i: Int) throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = Self.malformed[i].replacingOccurrences(of: "parameters", with: "knowledgePoints")
        let file = try Self.write(text, "bad.plan.json", in: dir)
        let r = try LessonLens.run(["analyze", TestEnvironment.sample("lesson-audio.m4a"), "--lesson-plan", file, "--out", dir.path])
        #expect(r.status == 64)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.count < 1_000, "one line: \(r.stderr.prefix(400))")
        #expect(r.stderr.contains("bad.plan.json"))
    }

    /// `--set` is validated on the final set: the order of the overrides does not matter.
    @Test func setOrderDoesNotMatter() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = "/nonexistent/lesson.mp4"
        let a = try LessonLens.run(["analyze", missing, "--out", dir.path, "--set", "microLessons.minSeconds=1000", "--set", "microLessons.maxSeconds=2000"])
        let b = try LessonLens.run(["analyze", missing, "--out", dir.path, "--set", "microLessons.maxSeconds=2000", "--set", "microLessons.minSeconds=1000"])
        // Both accepted: they get as far as the missing file (66), not a usage error.
        #expect(a.status == 66, "stderr: \(a.stderr)")
        #expect(b.status == 66, "stderr: \(b.stderr)")
        let bad = try LessonLens.run(["analyze", missing, "--out", dir.path, "--set", "microLessons.maxSeconds=1000", "--set", "microLessons.minSeconds=2000"])
        #expect(bad.status == 64)
        #expect(bad.stderr.hasPrefix("error: --set: microLessons.minSeconds (2000, from --set)"), "stderr: \(bad.stderr)")
    }

    @Test func fifoAndDeviceAreNotRegularFiles() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("lesson.mp4").path
        #expect(mkfifo(fifo, 0o644) == 0)
        for path in [fifo, "/dev/zero"] {
            let (r, seconds) = try Self.timed(["analyze", path, "--out", dir.appendingPathComponent("out").path])
            #expect(r.status == 66, "\(path): \(r.stderr)")
            #expect(r.stderr.contains("not a regular file"), "\(path): \(r.stderr)")
            #expect(seconds < 10)
            let p = try LessonLens.run(["probe", path])
            #expect(p.status == 66 && p.stderr.contains("not a regular file"), "\(path): \(p.stderr)")
        }
    }

    @Test func sparseFileIsRejectedFast() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("zeros.mp4").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, 2 << 30) == 0) // sparse: costs no disk
        let (r, seconds) = try Self.timed(["analyze", path, "--out", dir.appendingPathComponent("out").path])
        #expect(r.status == 65, "stderr: \(r.stderr)")
        #expect(seconds < 10, "rejected in \(seconds) s")
    }

    /// A 3 s two-track M4A whose sample-size table says every sample is 256 MiB.
    static func forgedSampleSizes(in dir: URL) throws -> String {
        let small = dir.appendingPathComponent("small.m4a").path
        try ffmpeg(["-t", "3", "-i", TestEnvironment.sample("lesson-lapel.m4a"), "-map", "0", "-c", "copy", small])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: small)))
        var patched = 0
        var i = 4
        while i + 12 <= bytes.count {
            if bytes[i] == 0x73, bytes[i + 1] == 0x74, bytes[i + 2] == 0x73, bytes[i + 3] == 0x7A, i + 16 <= bytes.count { // "stsz"
                // "stsz", version/flags (4), sample_size (4), sample_count (4), then the entries.
                let count = bytes[(i + 12)..<(i + 16)].reduce(0) { $0 << 8 | Int($1) }
                for k in 0..<count {
                    let o = i + 16 + 4 * k
                    guard o + 4 <= bytes.count else { break }
                    bytes.replaceSubrange(o..<(o + 4), with: [0x10, 0, 0, 0])
                }
                patched += count
                i += 12
            }
            i += 1
        }
        #expect(patched > 100)
        let hostile = dir.appendingPathComponent("forged.m4a").path
        try Data(bytes).write(to: URL(fileURLWithPath: hostile))
        return hostile
    }

    @Test func forgedSampleSizesAreBadMedia() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let hostile = try Self.forgedSampleSizes(in: dir)
        let out = dir.appendingPathComponent("out").path
        let (r, seconds) = try Self.timed(["analyze", hostile, "--out", out, "--json", "--pipeline", "quick"])
        // Before: exit 0 after 36 s, a 427 s lesson from a 3 s file.
        #expect(r.status == 65, "stdout: \(r.stdout) stderr: \(r.stderr)")
        #expect(r.stderr.contains("forged.m4a"))
        #expect(seconds < 30, "took \(seconds) s")
    }

    @Test func bogusBoxIsBadMediaNotInternal() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.sample("lesson-en-dialogue.mp4"))))
        // The first stts box (time-to-sample): claim 2^30 entries, which FFmpeg tries to allocate (ENOMEM).
        let stts: [UInt8] = Array("stts".utf8)
        let at = try #require((4..<(bytes.count - 16)).first { Array(bytes[$0..<($0 + 4)]) == stts })
        bytes.replaceSubrange((at + 8)..<(at + 12), with: [0x3F, 0xFF, 0xFF, 0xFF])
        let path = dir.appendingPathComponent("bogus-box.mp4").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let p = try LessonLens.run(["probe", path])
        #expect(p.status == 65, "before: 70; stderr: \(p.stderr)")
        let a = try LessonLens.run(["analyze", path, "--out", dir.appendingPathComponent("out").path, "--pipeline", "quick"])
        #expect(a.status == 65, "stderr: \(a.stderr)")
    }

    @Test(arguments: [100, 300, 500])
    func truncatedMatroskaIsBadMediaNotIO(_ keep: Int) throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let mkv = dir.appendingPathComponent("whole.mkv").path
        try Self.ffmpeg(["-i", TestEnvironment.sample("lesson-en-dialogue.mp4"), "-c", "copy", mkv])
        let cut = dir.appendingPathComponent("cut.mkv").path
        try Data(try Data(contentsOf: URL(fileURLWithPath: mkv)).prefix(keep)).write(to: URL(fileURLWithPath: cut))
        let p = try LessonLens.run(["probe", cut])
        #expect(p.status == 65, "before: 74; stderr: \(p.stderr)")
    }

    /// A cut-off upload: the container says 106 s, a third of the file is there. Before: exit 0 with
    /// "skipped 1 damaged audio packet(s)" and a 34 s report that said nothing about it.
    @Test func truncatedRecordingIsReported() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = dir.appendingPathComponent("whole.m4a").path
        try Self.ffmpeg(["-i", TestEnvironment.sample("lesson-audio.m4a"), "-c", "copy", "-movflags", "+faststart", whole])
        let data = try Data(contentsOf: URL(fileURLWithPath: whole))
        let cut = dir.appendingPathComponent("cut.m4a").path
        try Data(data.prefix(data.count / 3)).write(to: URL(fileURLWithPath: cut))
        let r = try LessonLens.run(["analyze", cut, "--out", dir.appendingPathComponent("out").path, "--json", "--pipeline", "quick", "--lang", "en"])
        // Reported, and the exit code says so (3: analysed, but truncated).
        #expect(r.status == 3, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("shorter than its container says"), "stderr: \(r.stderr)")
        // The catalog row carries the warning too.
        let export = try LessonLens.run(["export", "--format", "csv", "--out", dir.appendingPathComponent("e.csv").path,
                                  "--catalog", dir.appendingPathComponent("out/catalog.sqlite").path])
        #expect(export.status == 0, "stderr: \(export.stderr)")
        let db = dir.appendingPathComponent("out/catalog.sqlite").path
        let warnings = try Tool.run("python3", ["-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select warnings from results').fetchone()[0])", db]).stdout
        #expect(warnings.trimmingCharacters(in: .whitespacesAndNewlines) == "truncated-recording")
        let line = try #require(r.stdout.split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let reportDir = try #require(object["reportDir"] as? String)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reportDir + "/report.json"))) as? [String: Any])
        let codes = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(codes.contains("truncated-recording"), "findings: \(codes)")
        let html = try String(contentsOfFile: reportDir + "/report.html", encoding: .utf8)
        #expect(html.contains("Recording is truncated"))
        // A whole file has no such finding.
        let w = try LessonLens.run(["analyze", whole, "--out", dir.appendingPathComponent("out2").path, "--pipeline", "quick"])
        #expect(w.status == 0 && !w.stderr.contains("shorter than its container"), "stderr: \(w.stderr)")
    }
}
