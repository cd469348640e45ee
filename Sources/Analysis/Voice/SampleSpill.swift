import Foundation

/// The recording's 16 kHz samples, kept on disk so the speaker encoder can read back the 1.6 s
/// partials it chooses once the speech turns are known (`SpeakerVectors.plan`), in bounded memory.
///
/// Samples are stored as 16-bit integers (32 KB per second of audio, 115 MB per hour; the error,
/// below −96 dBFS, is under the model's own float rounding for speech levels) in an anonymous
/// temporary file (`mkstemp`, unlinked at once: nothing is left behind after a crash). Memory: one
/// 64 KB write buffer. If the file cannot be created or written (read-only or full disk), `failed`
/// is set and the analysis goes on without the learned embedding: it clusters by timbre, and the
/// report says so (method note `speaker-embedding-unavailable`).
final class SampleSpill {
    private var fd: Int32 = -1
    private(set) var failed = false
    /// Samples appended so far (written or buffered).
    var count: Int { written + buffer.count }
    private var buffer: [Int16] = []
    private var written = 0
    static let bufferSamples = 32768

    /// - Parameter directory: where the file goes (default: the temporary folder; tests: one that fails).
    init(directory: String? = nil) {
        buffer.reserveCapacity(Self.bufferSamples)
        guard let f = TempFile.anonymous(prefix: "lessonlens-samples", in: directory) else { failed = true; return }
        fd = f
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    func append(_ samples: UnsafeBufferPointer<Float>) {
        guard !failed else { return }
        for v in samples {
            buffer.append(Int16(clamping: Int((v * 32767).rounded())))
            if buffer.count == Self.bufferSamples { flush() }
        }
    }

    /// Writes the buffered samples out.
    func flush() {
        guard !failed, !buffer.isEmpty else { buffer.removeAll(keepingCapacity: true); return }
        let bytes = buffer.count * 2
        let done = buffer.withUnsafeBytes { TempFile.write(fd, $0.baseAddress!, bytes, at: off_t(written * 2)) }
        if done == bytes { written += buffer.count } else { failed = true }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Samples [start, start + n) as floats into `out` from `offset` (zeros outside the recording).
    /// False if the file could not be read back (disk error).
    func read(start: Int, count n: Int, into out: inout [Float], at offset: Int) -> Bool {
        flush()
        guard !failed else { return false }
        for i in 0..<n { out[offset + i] = 0 }
        let lo = max(0, start), hi = min(written, start + n)
        guard lo < hi else { return true }
        var raw = [Int16](repeating: 0, count: hi - lo)
        let bytes = raw.count * 2
        let got = raw.withUnsafeMutableBytes { TempFile.read(fd, $0.baseAddress!, bytes, at: off_t(lo * 2)) }
        guard got == bytes else { failed = true; return false }
        for i in 0..<raw.count { out[offset + lo - start + i] = Float(raw[i]) / 32767 }
        return true
    }
}
