import Foundation
import Pipeline

/// A one-line progress display on a terminal (per file and overall, with speed and ETA); on a pipe or a log
/// it prints only the result lines, so logs stay quiet and structured.
final class ProgressDisplay: @unchecked Sendable {
    // @unchecked: all state is guarded by `lock`.
    private let lock = NSLock()
    private let total: Int
    private let enabled: Bool
    private var done = 0
    private var active: [Int: (progress: AnalyzeProgress, started: Date)] = [:]
    private var lastDraw = Date.distantPast

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    func update(slot: Int, progress: AnalyzeProgress) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let started = active[slot]?.started ?? Date()
        active[slot] = (progress, started)
        // Redraw at most 5 times a second: progress comes once per media second, far faster than that.
        guard Date().timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = Date()
        draw()
    }

    /// Prints a line above the progress line; with `finishing`, that file's slot leaves the display first.
    func line(_ text: String, toStderr: Bool, finishing slot: Int? = nil) {
        lock.lock()
        defer { lock.unlock() }
        if let slot { active[slot] = nil }
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let handle = toStderr ? FileHandle.standardError : FileHandle.standardOutput
        handle.write(Data((text + "\n").utf8))
        if slot != nil { done += 1 }
        if enabled { draw() }
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private func draw() {
        var parts: [String] = ["[\(min(done + 1, total))/\(total)]"]
        for (_, entry) in active.sorted(by: { $0.key < $1.key }) {
            let p = entry.progress
            let elapsed = Date().timeIntervalSince(entry.started)
            let fraction = p.durationSeconds > 0 ? min(1, p.mediaSeconds / p.durationSeconds) : 0
            let speed = elapsed > 0.5 ? p.mediaSeconds / elapsed : 0
            let eta = speed > 0 ? (p.durationSeconds - p.mediaSeconds) / speed : 0
            var s = "\(p.file.prefix(28)) \(p.stage) \(Int(fraction * 100))%"
            if speed > 0 { s += String(format: " %.0fx ETA %@", speed, Format.clock(max(0, eta))) }
            parts.append(s)
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + parts.joined(separator: " | ")).utf8))
    }
}
