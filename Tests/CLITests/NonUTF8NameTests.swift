import Foundation
import Testing

/// `analyze` given a file whose name is not valid UTF-8 (issue 14, item 12): one line saying so, exit 66,
/// instead of "no such file". The name is passed as raw bytes through the shell, since Foundation's
/// Process only takes Strings.
@Suite struct NonUTF8NameTests {
    @Test func analyzeSaysTheNameIsNotUTF8() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // "caf\xE9.m4a" (Latin-1 é) made by the shell, a copy of a real sample.
        let sh = Process()
        sh.executableURL = URL(fileURLWithPath: "/bin/sh")
        sh.arguments = ["-c", #"cd "$1" && cp "$2" "$(printf 'caf\351.m4a')" && exec "$3" analyze "$(printf 'caf\351.m4a')" --out out --pipeline quick"#,
                        "sh", dir.path, CLI.sample("lesson-audio.m4a"), CLI.binary]
        let err = Pipe()
        sh.standardError = err
        sh.standardOutput = FileHandle.nullDevice
        try sh.run()
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        sh.waitUntilExit()
        #expect(sh.terminationStatus == 66, "stderr: \(e)")
        #expect(e.contains("not valid UTF-8") && !e.contains("no such file"), "stderr: \(e)")
        #expect(e.split(separator: "\n").count == 1, "one line: \(e)")
    }
}
