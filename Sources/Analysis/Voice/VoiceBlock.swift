/// The compact record kept for every 100 ms block of audio (the only per-time state of the analysis).
///
/// 11 Float + 3 UInt8 + 12 Int8 = 59 bytes (stride 60): 3 h of audio = 108 000 blocks ≈ 6.5 MB.
/// Levels are in dB of the level band (relative units; only differences to the floor matter).
struct VoiceBlock: Sendable {
    /// Mean frame level (dB).
    var meanDB: Float = 0
    /// Quietest frame (dB): the noise floor is tracked from these.
    var minDB: Float = 0
    /// Loudest frame (dB): peak minus mean marks impulses (knocks).
    var maxDB: Float = 0
    /// Quietest full-band frame RMS (dBFS): reported noise floor.
    var minFullDBFS: Float = 0
    /// Mean spectral flatness 300-4000 Hz (0 tonal … 1 white noise).
    var flatness: Float = 0
    /// Mean mel spectral flux (Kernels' normalised flux, 0…1).
    var flux: Float = 0
    /// Mean speech-band (300-3400 Hz) energy ratio.
    var speechRatio: Float = 0
    /// Mean squared 2.5-8 Hz band-passed frame level (dB²): syllable rhythm.
    var modulation: Float = 0
    /// Mean log2 pitch of voiced frames (octaves re 1 Hz), 0 when none.
    var log2Pitch: Float = 0
    /// Mean absolute pitch change between consecutive voiced estimates (semitones).
    var pitchJump: Float = 0
    /// Mean YIN aperiodicity of the frames where pitch was estimated (1 when none).
    var aperiodicity: Float = 1
    /// Voiced pitch estimates in the block.
    var voiced: UInt8 = 0
    /// Pitch estimates made in the block (frames above the gate).
    var pitchFrames: UInt8 = 0
    /// Speech probability of the learned voice-activity model over the block (overlap-weighted mean
    /// of its 32 ms windows), quantised to 1/255; 0 when the model did not run.
    var speechQ: UInt8 = 0
    /// Mean MFCC c1…c12, quantised (value / `mfccStep`).
    var mfcc: (Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    /// Quantisation step of the stored MFCCs (orthonormal log10 units, range ±12.7): fine next to speaker differences.
    static let mfccStep: Float = 0.1

    /// `speechQ` as a probability (0…1).
    var speechProbability: Float { Float(speechQ) / 255 }

    func mfccValue(_ i: Int) -> Float {
        withUnsafeBytes(of: mfcc) { raw in Float(raw.load(fromByteOffset: i, as: Int8.self)) * Self.mfccStep }
    }

    mutating func setMFCC(_ i: Int, _ value: Float) {
        let q = Int8(clamping: Int((value / Self.mfccStep).rounded()))
        withUnsafeMutableBytes(of: &mfcc) { raw in raw.storeBytes(of: q, toByteOffset: i, as: Int8.self) }
    }
}
