// Voice-activity model speed: `LessonLensBench vad`. Runs our Silero VAD inference (Analysis.SileroVAD
// on Kernels.Dense) over 10 minutes of real read speech (pocketsphinx-testdata's LibriVox clips,
// looped), one thread, and onnxruntime on the same audio in the same run (scripts/bench_silero_ort.py,
// one intra-op thread), when python3 has onnxruntime and silero-vad.
import Analysis
import Foundation
import Pipeline

func runVADBenchmarks() {
    let weights: SileroWeights
    do { weights = try Models.silero() } catch {
        print("vad: \(error)")
        return
    }
    var clip: [Float] = []
    let dir = "/usr/share/pocketsphinx/test/data/librivox"
    for name in (try? FileManager.default.contentsOfDirectory(atPath: dir))?.sorted() ?? [] where name.hasSuffix(".wav") {
        guard let d = FileManager.default.contents(atPath: dir + "/" + name), d.count > 44 else { continue }
        // 16 kHz s16le mono with a 44-byte header (checked by the parity test's reader on the same files).
        clip += stride(from: 44, to: d.count - 1, by: 2).map {
            Float(Int16(bitPattern: UInt16(d[$0]) | UInt16(d[$0 + 1]) << 8)) / 32768
        }
    }
    guard !clip.isEmpty else { print("vad: no LibriVox clips in \(dir) (apt-get install pocketsphinx-testdata)"); return }
    let seconds = 600
    var audio = [Float]()
    audio.reserveCapacity(seconds * 16000)
    while audio.count < seconds * 16000 { audio += clip.prefix(seconds * 16000 - audio.count) }
    print("vad: Silero VAD 16 kHz on \(seconds / 60) min of real read speech (LibriVox clips looped), 1 s chunks, one thread")
    var bestCPU = Double.infinity, bestWall = Double.infinity
    var windows = 0
    for _ in 0..<3 {
        let vad = SileroVAD(weights: weights)
        let w0 = DispatchTime.now().uptimeNanoseconds
        let c0 = voiceThreadCPUSeconds()
        audio.withUnsafeBufferPointer { buf in
            var i = 0
            while i < buf.count {
                let n = min(16000, buf.count - i)
                vad.consume(UnsafeBufferPointer(rebasing: buf[i..<(i + n)]))
                _ = vad.takeProbabilities()
                i += n
            }
        }
        vad.finish()
        windows = vad.windowCount
        bestCPU = min(bestCPU, voiceThreadCPUSeconds() - c0)
        bestWall = min(bestWall, Double(DispatchTime.now().uptimeNanoseconds - w0) / 1e9)
    }
    let ours = Double(seconds) / bestCPU
    print(String(format: "vad lessonlens: %.3f s CPU (%.3f s wall) for %d windows = %.0fx realtime on one core (goal ≥ 500x)",
                 bestCPU, bestWall, windows, ours))
    // The baseline, same audio, same run.
    let raw = Bench.dir + "/vad-bench-10min.f32"
    try? FileManager.default.createDirectory(atPath: Bench.dir, withIntermediateDirectories: true)
    audio.withUnsafeBytes { FileManager.default.createFile(atPath: raw, contents: Data($0)) }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../scripts/bench_silero_ort.py").standardized.path
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", script, raw]
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle.nullDevice
    do {
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let f = out.split(separator: " ")
        if p.terminationStatus == 0, f.count >= 3, let cpu = Double(f[2].trimmingCharacters(in: .whitespacesAndNewlines)) {
            let theirs = Double(seconds) / cpu
            print(String(format: "vad onnxruntime (1 thread, same audio): %.3f s CPU = %.0fx realtime; lessonlens/onnxruntime speed ratio %.2fx",
                         cpu, theirs, ours / theirs))
        } else {
            print("vad onnxruntime: not measured (pip install onnxruntime silero-vad)")
        }
    } catch {
        print("vad onnxruntime: not measured (\(error))")
    }
}
