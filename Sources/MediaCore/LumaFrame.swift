/// The luma (Y) plane of one decoded video frame, downscaled for analysis.
public struct LumaFrame: Sendable {
    /// Presentation time in seconds from the start of the recording.
    public var timeSeconds: Double
    public var width: Int
    public var height: Int
    /// Row-major 8-bit luma, `width * height` bytes, no padding.
    public var pixels: [UInt8]
    /// Whether the source frame was a keyframe.
    public var isKeyframe: Bool

    public init(timeSeconds: Double, width: Int, height: Int, pixels: [UInt8], isKeyframe: Bool) {
        precondition(pixels.count == width * height, "luma buffer does not match its size")
        self.timeSeconds = timeSeconds
        self.width = width
        self.height = height
        self.pixels = pixels
        self.isKeyframe = isKeyframe
    }
}
