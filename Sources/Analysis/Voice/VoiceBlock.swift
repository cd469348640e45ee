import Foundation

/// The compact record kept for every 100 ms block of audio (the only per-time state of the analysis).
///
/// 11 Float + 3 UInt8 + 24 Int8 = 71 bytes (stride 72): 3 h of audio = 108 000 blocks ≈ 7.8 MB (paged
/// to a temporary file by `BlockStore`, so memory stays flat).
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

    /// Within-block variance of MFCC c1…c12 over the block's frames, as log2, quantised
    /// (value / `mfccLogVarStep`). With the mean it gives a segment's diagonal-Gaussian sufficient
    /// statistics exactly (frame count, sum, sum of squares add over blocks), which the speaker
    /// clustering's BIC needs: per-block means alone lose the within-speaker spread.
    var mfccLogVar: (Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    /// Quantisation step of the stored MFCCs (orthonormal log10 units, range ±12.7): fine next to speaker differences.
    static let mfccStep: Float = 0.1
    /// Quantisation step of the stored log2 variances (1/8 octave: 9 % in variance, range 2^±16). The
    /// BIC compares log-variances of merged and separate segments, whose differences between speakers
    /// are tenths of an octave summed over 12 coefficients; 1/16 octave rounding error is well below.
    static let mfccLogVarStep: Float = 0.125
    /// Smallest within-block variance stored: the variance of the rounding of the stored means
    /// (step² / 12), so that digital silence does not make a degenerate Gaussian.
    static let mfccVarianceFloor: Float = mfccStep * mfccStep / 12

    func mfccVariance(_ i: Int) -> Float {
        withUnsafeBytes(of: mfccLogVar) { raw in exp2f(Float(raw.load(fromByteOffset: i, as: Int8.self)) * Self.mfccLogVarStep) }
    }

    mutating func setMFCCVariance(_ i: Int, _ variance: Float) {
        let q = Int8(clamping: Int((log2f(max(variance, Self.mfccVarianceFloor)) / Self.mfccLogVarStep).rounded()))
        withUnsafeMutableBytes(of: &mfccLogVar) { raw in raw.storeBytes(of: q, toByteOffset: i, as: Int8.self) }
    }

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
