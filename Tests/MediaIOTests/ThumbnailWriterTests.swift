import Foundation
import MediaCore
import MediaIO
import TestSupport
import Testing

@Suite(.serialized, .tags(.media)) struct ThumbnailWriterTests {
    @Test func writesAJPEGAtMostMaxWidthWide() throws {
        let out = ClipFixtures.folder + "/thumb-01.jpg"
        try ThumbnailWriter.write(input: ClipFixtures.video, time: 3.3, output: out)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(bytes.prefix(2) == [0xFF, 0xD8])  // SOI
        #expect(bytes.suffix(2) == [0xFF, 0xD9])  // EOI
        let p = try ClipFixtures.probe(out)
        #expect(p.streams.first?.codec_name == "mjpeg")
        #expect(p.streams.first?.width == 320)
        #expect(p.streams.first?.height == 180)
        // It decodes as a picture: ffmpeg turns it into raw gray pixels of the right size.
        let raw = try ClipFixtures.run("ffmpeg", ["-nostdin", "-loglevel", "error", "-i", out, "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        #expect(raw.count == 320 * 180)
    }

    @Test func smallerMaxWidthAndLateTimes() throws {
        let out = ClipFixtures.folder + "/thumb-02.jpg"
        try ThumbnailWriter.write(input: ClipFixtures.video, time: 99, output: out, maxWidth: 100)
        let p = try ClipFixtures.probe(out)
        #expect((p.streams.first?.width ?? 999) <= 100)
    }

    @Test func differentTimesGiveDifferentPictures() throws {
        // testsrc2 moves: two distant times must not give the same bytes (the seek really happened).
        let a = ClipFixtures.folder + "/thumb-a.jpg", b = ClipFixtures.folder + "/thumb-b.jpg"
        try ThumbnailWriter.write(input: ClipFixtures.video, time: 1, output: a)
        try ThumbnailWriter.write(input: ClipFixtures.video, time: 15, output: b)
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) != Data(contentsOf: URL(fileURLWithPath: b)))
    }

    /// One opening for many pictures (slide thumbnails, clip covers): in any order, past the end too, each
    /// picture is byte for byte the one a separate opening writes.
    @Test func oneSourceWritesWhatSeparateOpeningsWrite() throws {
        let source = try ThumbnailWriter.Source(input: ClipFixtures.video)
        for (k, t) in [15.0, 1, 3.3, 99, 1].enumerated() {
            let shared = ClipFixtures.folder + "/shared-\(k).jpg", alone = ClipFixtures.folder + "/alone-\(k).jpg"
            try source.write(time: t, output: shared)
            try ThumbnailWriter.write(input: ClipFixtures.video, time: t, output: alone)
            #expect(try Data(contentsOf: URL(fileURLWithPath: shared)) == Data(contentsOf: URL(fileURLWithPath: alone)), "t = \(t)")
        }
    }

    @Test func audioOnlyInputIsBadMedia() throws {
        do {
            try ThumbnailWriter.write(input: ClipFixtures.audio, time: 1, output: ClipFixtures.folder + "/none.jpg")
            Issue.record("expected an error")
        } catch let e as MediaError {
            #expect(e.kind == .badMedia)
        }
        #expect(!FileManager.default.fileExists(atPath: ClipFixtures.folder + "/none.jpg"))
    }
}
