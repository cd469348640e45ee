public import Foundation

/// Media made for the tests, in process or with the ffmpeg CLI.
public enum MediaGenerator {
    /// A 16-bit PCM mono WAV file's bytes: `samples` in [-1, 1] at `sampleRate` Hz.
    public static func wav(samples: [Float], sampleRate: Int = 16_000) -> Data {
        var d = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        let n = samples.count
        d.append(contentsOf: Array("RIFF".utf8)); u32(UInt32(36 + n * 2)); d.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16); u16(1); u16(1); u32(UInt32(sampleRate)); u32(UInt32(sampleRate * 2)); u16(2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(UInt32(n * 2))
        for s in samples { u16(UInt16(bitPattern: Int16(max(-32768, min(32767, (s * 32768).rounded(.towardZero)))))) }
        return d
    }

    /// A sine of `frequency` Hz, `seconds` long, peak `amplitude`, as a 16 kHz WAV file's bytes.
    public static func sineWAV(frequency: Double, seconds: Double, amplitude: Double = 8000.0 / 32768.0,
                               sampleRate: Int = 16_000) -> Data {
        let n = Int(Double(sampleRate) * seconds)
        return wav(samples: (0..<n).map { k in
            Float(amplitude * sin(2 * Double.pi * frequency * Double(k) / Double(sampleRate)))
        }, sampleRate: sampleRate)
    }

    /// `seconds` of 640×360 25 fps H.264 (keyframe every 2 s) with a `frequency` Hz 48 kHz AAC tone, MP4.
    @discardableResult
    public static func testVideo(seconds: Int = 20, frequency: Int = 440, output: String) throws -> String {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=\(seconds)",
                         "-f", "lavfi", "-i", "sine=frequency=\(frequency):sample_rate=48000:duration=\(seconds)",
                         "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "50", "-keyint_min", "50",
                         "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-shortest"],
                        output: output)
    }
}
