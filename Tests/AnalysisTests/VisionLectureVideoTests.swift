import Analysis
import Foundation
import MediaCore
import TestSupport
import Testing

/// Synthetic 256 × 144 lecture-video views for the harder cases of real recordings (issue 15, item 4):
/// slide builds, pen ink, a moving cursor, a picture-in-picture window, encoder flicker, dissolves, fades
/// through black and filmed slides (perspective, blur, low contrast, uneven light, noise, shake).
struct LectureSlide {
    static let width = SyntheticLesson.width, height = SyntheticLesson.height
    var background: UInt8
    var ink: UInt8
    /// Text lines: y and the (x, width) of each word.
    var lines: [(y: Int, words: [(x: Int, w: Int)])]

    init(seed: UInt64, lineCount: Int = 7) {
        var r = SeededRNG(seed)
        background = UInt8(205 + r.int(35))
        ink = UInt8(25 + r.int(45))
        lines = []
        var y = 30 + r.int(6)
        for _ in 0..<lineCount where y < 128 {
            var words: [(Int, Int)] = []
            var x = 16 + r.int(10)
            let stop = Int(r.uniform(0.45, 0.93) * Double(Self.width))
            while x < stop {
                let w = 6 + r.int(22)
                words.append((x, min(w, stop - x)))
                x += w + 4
            }
            lines.append((y, words))
            y += 13 + r.int(4)
        }
    }

    /// The slide with its title bar and the first `shown` text lines (a build shows them one by one).
    func render(shown: Int? = nil) -> [UInt8] {
        var p = [UInt8](repeating: background, count: Self.width * Self.height)
        SyntheticLesson.fill(&p, 0, 0, Self.width, 20, ink)
        SyntheticLesson.fill(&p, 12, 6, 150, 13, background)  // title text, light on the bar
        for line in lines.prefix(shown ?? lines.count) {
            for word in line.words { SyntheticLesson.fill(&p, word.x, line.y, word.x + word.w, line.y + 5, ink) }
        }
        return p
    }
}

enum LectureEffects {
    static let w = LectureSlide.width, h = LectureSlide.height

    /// `a·old + (1 − a)·new`, rounded.
    static func mix(_ old: [UInt8], _ new: [UInt8], oldWeight a: Double) -> [UInt8] {
        zip(old, new).map { UInt8((a * Double($0.0) + (1 - a) * Double($0.1)).rounded()) }
    }

    static func scale(_ p: [UInt8], _ g: Double, offset: Double = 0) -> [UInt8] {
        p.map { UInt8(clamping: Int((Double($0) * g + offset).rounded())) }
    }

    /// A pen stroke (3 px wide) along a polyline, drawn up to `fraction` of its length.
    static func stroke(_ p: inout [UInt8], _ points: [(Double, Double)], fraction: Double, value: UInt8) {
        let segments = zip(points, points.dropFirst()).map { ($0, $1) }
        let lengths = segments.map { hypot($0.1.0 - $0.0.0, $0.1.1 - $0.0.1) }
        var budget = fraction * lengths.reduce(0, +)
        for (s, len) in zip(segments, lengths) where budget > 0 {
            let steps = Int(min(len, budget) * 2) + 1
            for k in 0...steps {
                let u = Double(k) / Double(steps) * min(1, budget / len)
                let x = Int(s.0.0 + (s.1.0 - s.0.0) * u), y = Int(s.0.1 + (s.1.1 - s.0.1) * u)
                SyntheticLesson.fill(&p, x - 1, y - 1, x + 2, y + 2, value)
            }
            budget -= len
        }
    }

    /// A mouse arrow (about 6 × 10 px, black with a white rim) with its tip at (x, y).
    static func cursor(_ p: inout [UInt8], x: Int, y: Int) {
        for j in 0..<10 {
            let half = min(j, 9 - j) / 2 + 1
            SyntheticLesson.fill(&p, x - 1, y + j, x + half + 1, y + j + 1, 250)
            SyntheticLesson.fill(&p, x, y + j, x + half, y + j + 1, 10)
        }
    }

    /// A talking-head window (64 × 40 px, bottom right): textured background, a head that moves, and
    /// fresh sensor noise every frame.
    static func pictureInPicture(_ p: inout [UInt8], time t: Double, seed: UInt64) {
        var r = SeededRNG(seed)
        let x0 = 186, y0 = 98
        for y in y0..<(y0 + 40) {
            for x in x0..<(x0 + 64) {
                let base = 70 + ((x / 6 + y / 5) % 3) * 18
                p[y * w + x] = UInt8(clamping: base + r.int(31) - 15)
            }
        }
        let hx = x0 + 32 + Int(10 * sin(t * 2.3)), hy = y0 + 14 + Int(4 * sin(t * 3.1))
        SyntheticLesson.fill(&p, hx - 7, hy - 8, hx + 7, hy + 8, 170)
        SyntheticLesson.fill(&p, hx - 13, hy + 9, hx + 13, y0 + 40, 40)
        SyntheticLesson.fill(&p, hx - 4, hy + 2, hx + 4, hy + 3 + Int(2 + 2 * sin(t * 9)), 60)  // mouth
    }

    /// Encoder flicker: a global gain and offset that jump at every keyframe and hold for the group of
    /// pictures (brightness pumping, `gop` = seed of the group) plus 8 × 8 blocks that drift by a few
    /// levels in every frame (compression noise, `seed`).
    static func flicker(_ p: [UInt8], gop: UInt64, seed: UInt64) -> [UInt8] {
        var level = SeededRNG(gop &* 7919)
        let g = level.uniform(0.94, 1.06), o = level.uniform(-5, 5)
        var r = SeededRNG(seed)
        var out = scale(p, g, offset: o)
        for by in stride(from: 0, to: h, by: 8) {
            for bx in stride(from: 0, to: w, by: 8) {
                let d = r.int(7) - 3
                for y in by..<min(h, by + 8) {
                    for x in bx..<min(w, bx + 8) { out[y * w + x] = UInt8(clamping: Int(out[y * w + x]) + d) }
                }
            }
        }
        return out
    }

    /// A camera pointed at the projection: the slide mapped into a keystoned quadrilateral (perspective)
    /// on a dark wall, bilinear sampling and a 3 × 3 blur, contrast cut to about 45 %, light falling off
    /// to one side, sensor noise ±4 and the whole picture shifted by (`dx`, `dy`) pixels (shake).
    static func filmed(_ slide: [UInt8], dx: Double, dy: Double, seed: UInt64) -> [UInt8] {
        // Screen corners in the camera image (top-left, top-right, bottom-right, bottom-left).
        let tl = (22.0, 12.0), tr = (236.0, 18.0), br = (230.0, 134.0), bl = (28.0, 128.0)
        var out = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let cx = Double(x) - dx, cy = Double(y) - dy
                // Inverse bilinear map (good enough for a mild keystone): solve u, v by two fixed-point steps.
                var u = (cx - tl.0) / (tr.0 - tl.0), v = (cy - tl.1) / (bl.1 - tl.1)
                for _ in 0..<4 {
                    let topX = tl.0 + (tr.0 - tl.0) * u, botX = bl.0 + (br.0 - bl.0) * u
                    let leftY = tl.1 + (bl.1 - tl.1) * v, rightY = tr.1 + (br.1 - tr.1) * v
                    let xv = topX + (botX - topX) * v, yu = leftY + (rightY - leftY) * u
                    u += (cx - xv) / ((tr.0 - tl.0) * (1 - v) + (br.0 - bl.0) * v)
                    v += (cy - yu) / ((bl.1 - tl.1) * (1 - u) + (br.1 - tr.1) * u)
                }
                var value = 38.0  // the wall around the screen
                if u >= 0, u <= 1, v >= 0, v <= 1 {
                    let sx = u * Double(w - 1), sy = v * Double(h - 1)
                    let x0 = min(w - 2, Int(sx)), y0 = min(h - 2, Int(sy))
                    let fx = sx - Double(x0), fy = sy - Double(y0)
                    let a = Double(slide[y0 * w + x0]), b = Double(slide[y0 * w + x0 + 1])
                    let c = Double(slide[(y0 + 1) * w + x0]), d = Double(slide[(y0 + 1) * w + x0 + 1])
                    let s = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy
                    let light = 1.0 - 0.25 * u  // the projector's hot spot is on the left
                    value = (70 + 0.45 * s) * light
                }
                out[y * w + x] = UInt8(clamping: Int(value.rounded()))
            }
        }
        var blurred = out
        for y in 1..<(h - 1) {
            for x in 1..<(w - 1) {
                var s = 0
                for j in -1...1 { for i in -1...1 { s += Int(out[(y + j) * w + x + i]) } }
                blurred[y * w + x] = UInt8(s / 9)
            }
        }
        SyntheticLesson.noise(&blurred, seed: seed, amplitude: 4)
        return blurred
    }
}

/// Runs a detector over frames `render(t)` sampled at `fps` for `duration` seconds.
func detectSlides(duration: Double, fps: Double, config: SlideDetectorConfig = .init(),
                  render: (Int, Double) -> [UInt8]) -> SlideResult {
    let d = SlideDetector(config: config)
    var i = 0
    while Double(i) / fps < duration - 1e-9 {
        let t = Double(i) / fps
        d.consume(LumaFrame(timeSeconds: t, width: LectureSlide.width, height: LectureSlide.height,
                            pixels: render(i, t), isKeyframe: i % 8 == 0))
        i += 1
    }
    return d.finish()
}

@Suite struct VisionLectureVideoTests {
    static let a = LectureSlide(seed: 501), b = LectureSlide(seed: 502), c = LectureSlide(seed: 503)

    /// Slide A built up one line every 2.5 s while the teacher walks, then slide B (itself built from two
    /// lines) at 24 s: the build steps are not changes, the replacement is.
    @Test func bulletsAppearingOneByOneAreNotChanges() {
        let r = detectSlides(duration: 40, fps: 2) { i, t in
            var p = t < 24 ? Self.a.render(shown: min(Self.a.lines.count, Int(t / 2.5))) : Self.b.render(shown: 2 + Int((t - 24) / 4))
            SyntheticLesson.teacher(&p, x: 0.5 + 0.45 * sin(t * 0.4))
            SyntheticLesson.noise(&p, seed: UInt64(i), amplitude: 2)
            return p
        }
        #expect(r.changes.count == 1, "changes \(r.changes)")
        #expect(abs((r.changes.first ?? -9) - 24) <= 0.5)
        #expect(r.keyframeTimes.count == 2)
    }

    /// Pen annotation: underlines, a circle round a word and a tick drawn stroke by stroke over 15 s,
    /// partly across the text. Then the next slide.
    @Test func penAnnotationIsNotAChange() {
        let strokes: [[(Double, Double)]] = [
            [(14, 40), (120, 41), (200, 40)],                                           // underline line 1
            [(20, 60), (60, 52), (110, 55), (112, 70), (60, 74), (20, 66), (22, 58)],   // circle round a line
            [(150, 80), (170, 100), (230, 50)],                                         // tick over the text
            [(14, 100), (240, 102)],
            [(30, 112), (90, 126), (150, 110), (220, 128)],
        ]
        let r = detectSlides(duration: 30, fps: 2) { i, t in
            var p = t < 24 ? Self.a.render() : Self.c.render()
            if t < 24 {
                for (k, s) in strokes.enumerated() {
                    let f = (t - 3 - Double(k) * 3) / 2.5
                    if f > 0 { LectureEffects.stroke(&p, s, fraction: min(1, f), value: 90) }
                }
            }
            SyntheticLesson.noise(&p, seed: UInt64(i), amplitude: 2)
            return p
        }
        #expect(r.changes.count == 1, "changes \(r.changes)")
        #expect(abs((r.changes.first ?? -9) - 24) <= 0.5)
    }

    @Test func movingCursorIsNotAChange() {
        let r = detectSlides(duration: 30, fps: 2) { i, t in
            var p = Self.a.render()
            LectureEffects.cursor(&p, x: 20 + Int(100 + 90 * sin(t * 0.7)), y: 30 + Int(45 + 40 * sin(t * 1.3)))
            SyntheticLesson.noise(&p, seed: UInt64(i), amplitude: 2)
            return p
        }
        #expect(r.changes.isEmpty, "changes \(r.changes)")
    }

    /// A talking-head window that moves and shimmers in every frame, over slides built line by line, and
    /// one real change at 20 s (the window stays through it).
    @Test func pictureInPictureWindowIsNotAChange() {
        let r = detectSlides(duration: 36, fps: 2) { i, t in
            var p = t < 20 ? Self.a.render(shown: min(7, 2 + Int(t / 4))) : Self.b.render()
            LectureEffects.pictureInPicture(&p, time: t, seed: UInt64(i) &* 31)
            SyntheticLesson.noise(&p, seed: UInt64(i), amplitude: 2)
            return p
        }
        #expect(r.changes.count == 1, "changes \(r.changes)")
        #expect(abs((r.changes.first ?? -9) - 20) <= 0.5)
    }

    /// Brightness that jumps every 2 s (a keyframe interval) and holds, plus blocky compression noise.
    @Test func encoderFlickerIsNotAChange() {
        let r = detectSlides(duration: 30, fps: 2) { i, t in
            LectureEffects.flicker(Self.a.render(), gop: UInt64(t / 2), seed: UInt64(i))
        }
        #expect(r.changes.isEmpty, "changes \(r.changes)")
    }

    /// A 1 s cross-fade from A to B starting at 10.3 s (mid-point 10.8 s) and one from B to C at 20 s,
    /// sampled at 2 and at 5 frames/s: one change each, timed within half a second of the mid-point.
    @Test(arguments: [2.0, 5.0]) func crossFadeIsOneChangeAtItsMidPoint(fps: Double) {
        let slides = [Self.a.render(), Self.b.render(), Self.c.render()]
        let starts = [10.3, 20.0]
        let r = detectSlides(duration: 32, fps: fps) { i, t in
            var k = 0
            var p = slides[0]
            for (n, s) in starts.enumerated() where t >= s {
                k = n + 1
                p = t < s + 1 ? LectureEffects.mix(slides[n], slides[n + 1], oldWeight: 1 - (t - s)) : slides[k]
            }
            SyntheticLesson.teacher(&p, x: 0.2 + 0.1 * sin(t))
            SyntheticLesson.noise(&p, seed: UInt64(i), amplitude: 2)
            return p
        }
        #expect(r.changes.count == 2, "changes \(r.changes)")
        for (mid, p) in zip(starts.map { $0 + 0.5 }, r.changes) {
            #expect(abs(p - mid) <= 0.5 + 1e-9, "dissolve with mid-point \(mid) reported at \(p) (\(fps) fps)")
        }
    }

    /// Fade through black over 1 s (0.5 s out, 0.5 s in) starting at 12.2 s: one change, at the dark
    /// mid-point (12.7 s) or the first frame of the new slide after it.
    @Test(arguments: [2.0, 5.0]) func fadeThroughBlackIsOneChange(fps: Double) {
        let old = Self.a.render(), new = Self.c.render()
        let r = detectSlides(duration: 26, fps: fps) { i, t in
            var p: [UInt8]
            if t < 12.2 { p = old } else if t < 12.7 { p = LectureEffects.scale(old, 1 - (t - 12.2) / 0.5) }
            else if t < 13.2 { p = LectureEffects.scale(new, (t - 12.7) / 0.5) } else { p = new }
            SyntheticLesson.noise(&p, seed: UInt64(i), amplitude: 2)
            return p
        }
        #expect(r.changes.count == 1, "changes \(r.changes)")
        #expect(abs((r.changes.first ?? -9) - 12.7) <= 0.5 + 1e-9, "changes \(r.changes) (\(fps) fps)")
    }

    /// Filmed slides: keystone, blur, 45 % contrast, uneven light, noise and ±2 px shake in every frame.
    /// A hard cut at 10 s, a 1 s dissolve at 22-23 s and a build on the last slide: two changes.
    @Test func filmedSlidesAreStillFound() {
        var shake = SeededRNG(77)
        let r = detectSlides(duration: 40, fps: 2) { i, t in
            let s: [UInt8]
            if t < 10 { s = Self.a.render() } else if t < 22 { s = Self.b.render() }
            else if t < 23 { s = LectureEffects.mix(Self.b.render(), Self.c.render(shown: 3), oldWeight: 23 - t) }
            else { s = Self.c.render(shown: min(7, 3 + Int((t - 23) / 4))) }
            return LectureEffects.filmed(s, dx: shake.uniform(-2, 2), dy: shake.uniform(-2, 2), seed: UInt64(i))
        }
        #expect(r.changes.count == 2, "changes \(r.changes)")
        if r.changes.count == 2 {
            #expect(abs(r.changes[0] - 10) <= 0.5)
            #expect(abs(r.changes[1] - 22.5) <= 0.5)
        }
    }

    /// The shaking filmed slide alone: no change.
    @Test func filmedSlideShakeIsNotAChange() {
        var shake = SeededRNG(78)
        let r = detectSlides(duration: 30, fps: 2) { i, _ in
            LectureEffects.filmed(Self.a.render(), dx: shake.uniform(-2, 2), dy: shake.uniform(-2, 2), seed: UInt64(i))
        }
        #expect(r.changes.isEmpty, "changes \(r.changes)")
    }

    /// A slide replaced by one that shares its title bar and background still counts (the old lines go).
    @Test func sameTemplateReplacementIsAChange() {
        let r = detectSlides(duration: 24, fps: 2) { i, t in
            var p = t < 12 ? Self.a.render() : Self.a.render(shown: 0)
            if t >= 12 { for line in Self.b.lines { for wd in line.words {
                SyntheticLesson.fill(&p, wd.x, line.y + 6, wd.x + wd.w, line.y + 11, Self.a.ink) } } }
            SyntheticLesson.noise(&p, seed: UInt64(i), amplitude: 2)
            return p
        }
        #expect(r.changes.count == 1, "changes \(r.changes)")
    }
}

/// A clip made with the ffmpeg CLI (drawbox text lines, five bullets built in with `enable`, a 1 s `xfade`
/// dissolve, `noise`, H.264 at CRF 30) and decoded like the eval test does (gray, box-downscaled, 2 fps grid).
@Suite(.tags(.media)) struct VisionLectureClipTests {
    static func lines(_ ys: [Int], builds: [(y: Int, at: Double)] = []) -> String {
        var f = ["drawbox=x=0:y=0:w=640:h=50:color=0x303030:t=fill"]
        for (k, y) in ys.enumerated() { f.append("drawbox=x=40:y=\(y):w=\(300 + 40 * (k % 4)):h=14:color=0x282828:t=fill") }
        for b in builds { f.append("drawbox=x=40:y=\(b.y):w=540:h=14:color=0x282828:t=fill:enable='gte(t,\(b.at))'") }
        return f.joined(separator: ",")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg")))
    func dissolveClipWithBuildsIsOneChangeAtItsMidPoint() throws {
        let dir = try TempFolder("vision")
        defer { dir.remove() }
        let out = dir.path("clip.mp4")
        let a = "color=c=0xE8E8E8:s=640x360:r=25:d=10,"
            + Self.lines([80], builds: [(120, 1.5), (160, 3), (200, 4.5), (240, 6), (280, 7.5)])
        let b = "color=c=0xF0F0E0:s=640x360:r=25:d=6," + Self.lines([90, 140, 190, 240, 290])
        try Tool.ffmpeg(["-f", "lavfi", "-i", a, "-f", "lavfi", "-i", b,
                         "-filter_complex", "[0][1]xfade=transition=fade:duration=1:offset=8.3,noise=alls=6:allf=t,format=yuv420p",
                         "-c:v", "libx264", "-crf", "30", "-g", "50"], output: out)
        let d = SlideDetector()
        try VisionEvalTests.frames(out, width: 640, height: 360, fps: 25, rate: 2) { d.consume($0) }
        let r = d.finish()
        #expect(r.changes.count == 1, "changes \(r.changes)")
        #expect(abs((r.changes.first ?? -9) - 8.8) <= 0.5, "changes \(r.changes)")
    }
}
