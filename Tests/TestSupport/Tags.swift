public import Testing

extension Tag {
    /// Reads or makes media files (ffmpeg CLI fixtures, SampleMedia, the FFmpeg libraries).
    @Tag public static var media: Self
    /// Takes more than a few seconds: whole analyses, child processes, mounts, long generated signals.
    @Tag public static var slow: Self
}
