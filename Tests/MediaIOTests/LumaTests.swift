import Foundation
import MediaCore
import MediaIO
import TestSupport
import Testing

@Suite(.tags(.media))
struct LumaTests {
    @Test(arguments: [VideoSampling.fps(2), .keyframes])
    func knownPatternReadsBack(_ sampling: VideoSampling) throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        // Left half dark (Y=40), right half bright (Y=200), 1280x720, 4 s, GOP 1 s.
        let file = try fx.ffmpeg(["-f", "lavfi", "-i", "color=c=black:size=1280x720:rate=25", "-t", "4",
                                  "-vf", "geq=lum='if(lt(X,W/2),40,200)':cb=128:cr=128,format=yuv420p",
                                  "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-qp", "0"], output: "pattern.mp4")
        let reader = try MediaReader(path: file, options: ReadOptions(decodeAudio: false, video: sampling))
        var frames: [LumaFrame] = []
        _ = try reader.run(onAudio: { _ in }, onVideo: { frames.append($0) })
        let expected = sampling == .keyframes ? 4 : 8
        #expect(abs(frames.count - expected) <= 1, "\(frames.count) frames")
        let f = try #require(frames.first)
        #expect(f.width == 256 && f.height == 144, "downscaled by 5 to about 256 px")
        let left = Int(f.pixels[f.width * 70 + 20]), right = Int(f.pixels[f.width * 70 + 230])
        #expect(abs(left - 40) <= 3 && abs(right - 200) <= 3, "left \(left) right \(right)")
        if sampling == .keyframes { #expect(frames.allSatisfy { $0.isKeyframe }) }
        #expect(frames.map(\.timeSeconds) == frames.map(\.timeSeconds).sorted())
    }
}
