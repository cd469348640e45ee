import Foundation
import MediaCore
import MediaIO

/// Issue 2's speed check: MediaIO's audio path against `ffmpeg -vn -ac 1 -ar 16000 -f f32le` and its luma
/// path against a full `ffmpeg -an -f null` decode, on the same file, in the same run.
func runMediaBenchmarks() throws {
    let file = try Bench.tenMinuteFile()
    let seconds = try MediaProbe.probe(path: file).durationSeconds
    print("\n== MediaIO decode (\(file), \(Int(seconds)) s)")
    let ffmpeg = "/usr/bin/ffmpeg"
    let base = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", file]

    let ffAudio = try Bench.best(3) { try Bench.run(ffmpeg, base + ["-vn", "-ac", "1", "-ar", "16000", "-f", "f32le", "/dev/null"]) }
    var samples = 0
    let ours = try Bench.best(3) {
        samples = 0
        return try Bench.measure {
            let r = try MediaReader(path: file, options: ReadOptions(video: nil))
            _ = try r.run(onAudio: { samples += $0.samples.count }, onVideo: { _ in })
        }
    }
    print("audio  ffmpeg -vn -ac 1 -ar 16000 -f f32le : \(Bench.fmt(ffAudio))")
    print("audio  MediaIO 16 kHz mono chunks        : \(Bench.fmt(ours))  (\(samples) samples)")
    print(String(format: "audio  ratio MediaIO/ffmpeg: %.2fx wall, %.2fx cpu (target ≤ 1.2x); %.0fx realtime", ours.wall / ffAudio.wall,
                 ours.cpu / ffAudio.cpu, seconds / ours.wall))
    print(String(format: "audio  peak RSS after audio pass: %.1f MiB", Bench.peakMiB()))

    let ffVideo = try Bench.best(2) { try Bench.run(ffmpeg, base + ["-an", "-f", "null", "-"]) }
    let ffVideo1 = try Bench.best(1) { try Bench.run(ffmpeg, ["-threads", "1"] + base + ["-an", "-threads", "1", "-f", "null", "-"]) }
    print("video  ffmpeg -an -f null - (default threads): \(Bench.fmt(ffVideo))")
    print("video  ffmpeg -threads 1 -an -f null -       : \(Bench.fmt(ffVideo1))")
    for sampling in [VideoSampling.fps(2), .keyframes] {
        var frames = 0
        let t = try Bench.best(2) {
            frames = 0
            return try Bench.measure {
                var o = ReadOptions(decodeAudio: false, video: sampling)
                o.videoThreads = 1
                let r = try MediaReader(path: file, options: o)
                _ = try r.run(onAudio: { _ in }, onVideo: { _ in frames += 1 })
            }
        }
        print(String(format: "video  MediaIO luma %@ (1 thread): %@ (%d frames) → %.2fx ffmpeg's cpu (target ≤ 0.5x), %.2fx its wall; %.0fx realtime",
                     "\(sampling)", Bench.fmt(t), frames, t.cpu / ffVideo.cpu, t.wall / ffVideo.wall, seconds / t.wall))
    }
    print(String(format: "peak RSS: %.1f MiB", Bench.peakMiB()))
}
