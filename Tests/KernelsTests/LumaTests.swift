import Kernels
import Testing

@Suite struct LumaTests {
    @Test(arguments: kernelLengths)
    func madAndMeanMatchReference(n: Int) {
        let a = bytes(n, seed: 11), b = bytes(n, seed: 12)
        a.withUnsafeBufferPointer { ab in
            b.withUnsafeBufferPointer { bb in
                #expect(close(Luma.meanAbsoluteDifference(ab, bb), Luma.meanAbsoluteDifferenceReference(ab, bb), rel: 1e-6))
                #expect(close(Luma.mean(ab), Luma.meanReference(ab), rel: 1e-6))
            }
        }
    }

    @Test func madOfKnownPlanes() {
        let a = [UInt8](repeating: 10, count: 100), b = [UInt8](repeating: 250, count: 100)
        a.withUnsafeBufferPointer { ab in b.withUnsafeBufferPointer { bb in
            #expect(Luma.meanAbsoluteDifference(ab, bb) == 240)
            #expect(Luma.meanAbsoluteDifference(bb, ab) == 240)
            #expect(Luma.meanAbsoluteDifference(ab, ab) == 0)
        } }
    }

    @Test(arguments: [(7, 5, 3, 2), (64, 36, 8, 6), (33, 17, 4, 4), (5, 5, 5, 5)])
    func blockMADMatchesReference(shape: (Int, Int, Int, Int)) {
        let (w, h, bx, by) = shape
        let a = bytes(w * h, seed: 13), b = bytes(w * h, seed: 14)
        var o1 = [Float](repeating: -1, count: bx * by), o2 = o1
        a.withUnsafeBufferPointer { ab in b.withUnsafeBufferPointer { bb in
            o1.withUnsafeMutableBufferPointer { Luma.blockMeanAbsoluteDifference(ab, bb, width: w, height: h, blocksX: bx, blocksY: by, into: $0) }
            o2.withUnsafeMutableBufferPointer { Luma.blockMeanAbsoluteDifferenceReference(ab, bb, width: w, height: h, blocksX: bx, blocksY: by, into: $0) }
        } }
        for i in 0..<o1.count { #expect(close(o1[i], o2[i], rel: 1e-6)) }
    }

    @Test func blockMADLocalisesChange() {
        let w = 16, h = 8
        let a = [UInt8](repeating: 100, count: w * h)
        var b = a
        for y in 0..<4 { for x in 8..<16 { b[y * w + x] = 110 } }  // top-right quarter brighter by 10
        var out = [Float](repeating: 0, count: 4)
        a.withUnsafeBufferPointer { ab in b.withUnsafeBufferPointer { bb in
            out.withUnsafeMutableBufferPointer { Luma.blockMeanAbsoluteDifference(ab, bb, width: w, height: h, blocksX: 2, blocksY: 2, into: $0) }
        } }
        #expect(out == [0, 10, 0, 0])
    }

    @Test(arguments: kernelLengths)
    func histogramMatchesReference(n: Int) {
        var a = bytes(n, seed: 15)
        if n > 100 { for i in 0..<50 { a[i] = 7 } }  // a run of equal pixels
        var h1 = [UInt32](repeating: 9, count: 256), h2 = h1
        a.withUnsafeBufferPointer { ab in
            h1.withUnsafeMutableBufferPointer { Luma.histogram(ab, into: $0) }
            h2.withUnsafeMutableBufferPointer { Luma.histogramReference(ab, into: $0) }
        }
        #expect(h1 == h2)
        #expect(h1.reduce(0, +) == UInt32(n))
    }

    @Test(arguments: [(8, 6, 2), (9, 7, 2), (10, 10, 3), (5, 4, 1), (3, 3, 4)])
    func downscaleMatchesReference(shape: (Int, Int, Int)) {
        let (w, h, f) = shape
        let src = bytes(w * h, seed: 16)
        var d1 = [UInt8](repeating: 0, count: (w / f) * (h / f)), d2 = d1
        src.withUnsafeBufferPointer { s in
            d1.withUnsafeMutableBufferPointer { Luma.downscale(s, width: w, height: h, factor: f, into: $0) }
            d2.withUnsafeMutableBufferPointer { Luma.downscaleReference(s, width: w, height: h, factor: f, into: $0) }
        }
        #expect(d1 == d2)
    }

    @Test func downscaleAveragesBlocks() {
        let src: [UInt8] = [0, 10, 20, 30,
                            2, 12, 22, 33]
        var dst = [UInt8](repeating: 0, count: 2)
        src.withUnsafeBufferPointer { s in dst.withUnsafeMutableBufferPointer { Luma.downscale(s, width: 4, height: 2, factor: 2, into: $0) } }
        #expect(dst == [6, 26])  // (0+10+2+12)/4 = 6; (20+30+22+33)/4 = 26.25
    }
}
