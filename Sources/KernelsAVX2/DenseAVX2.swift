// The Dense panel kernels for x86-64 CPUs with AVX2 and FMA. This target alone is compiled with
// `-target-cpu haswell` (Package.swift), so SIMD8<Float> is one ymm register and `addingProduct` one
// vfmadd231ps. Kernels calls `DenseAVX2.multiply` only after it has checked the CPU (Dense.kernel).
//
// Linkage rule (Package.swift, docs/ARCHITECTURE.md): everything here is non-generic, the helpers are
// private and @inline(__always), and the one entry point is a plain public function over raw pointers.
// A generic specialisation or an inlinable body emitted here out of line would get linkonce/shared
// linkage, and the linker could then hand this module's AVX2 copy to the portable callers, which would
// crash on a CPU without AVX2. Checked on the built objects: `nm` of DenseAVX2.swift.o shows one code
// symbol (`multiply`, strong) and as weak only data (the module descriptor, a reflection string, and
// `__swift_reflection_version`, a constant every Swift object has); `objdump -d` of the linked test
// binary finds ymm/FMA instructions in no Swift function but `DenseAVX2.multiply`.
//
// Layout (Kernels.DenseMatrix packs it): `panelCount` panels (even) of 8 rows each; panel p
// holds rows 8p … 8p+7 k-major, `depth × 8` floats (W[8p+i, k] at p·depth·8 + k·8 + i), zero rows
// beyond `rows`; `bias` holds `panelCount × 8` floats. `panelCount` is even (tiles are 2 panels high).
public enum DenseAVX2 {
    /// `output[n·rows + r] = bias[r] + Σₖ W[r,k] · columns[n·columnStride + k]` for `k < depth`,
    /// 16 rows × 4 columns per tile: eight ymm accumulators, each step two weight loads and four
    /// broadcasts for eight FMAs (eight chains cover the FMA latency of two pipes; a 24 × 4 tile needs
    /// all 16 registers and LLVM spills it, measured 2x slower). Columns go in blocks of about 64 KB so
    /// they stay in L2 while the weights stream past. Reads no column float at or beyond `depth`.
    /// Allocates: no.
    public static func multiply(panels: UnsafePointer<Float>, panelCount: Int, rows: Int, depth: Int,
                                bias: UnsafePointer<Float>, columns: UnsafePointer<Float>, columnStride: Int,
                                columnCount: Int, output: UnsafeMutablePointer<Float>) {
        let perBlock = 16384 / (depth > 0 ? depth : 1)
        let block = perBlock < 8 ? 8 : perBlock / 4 * 4
        var n0 = 0
        while n0 < columnCount {
            let nb = columnCount - n0 < block ? columnCount - n0 : block
            multiplyBlock(panels, panelCount, rows, depth, bias, columns + n0 * columnStride, columnStride, nb,
                          output + n0 * rows)
            n0 += nb
        }
    }

    @inline(__always)
    private static func multiplyBlock(_ panels: UnsafePointer<Float>, _ panelCount: Int, _ rows: Int, _ depth: Int,
                                      _ bias: UnsafePointer<Float>, _ columns: UnsafePointer<Float>, _ cs: Int,
                                      _ columnCount: Int, _ output: UnsafeMutablePointer<Float>) {
        let panelBytes = depth * 32
        let w = UnsafeRawPointer(panels), b = UnsafeRawPointer(bias)
        var p = 0
        while p + 2 <= panelCount && p * 8 < rows {
            let r = p * 8
            let valid = rows - r < 16 ? rows - r : 16
            let w0 = w + p * panelBytes, w1 = w0 + panelBytes
            let bp = b + r * 4
            var n = 0
            while n + 4 <= columnCount {
                let x0 = columns + n * cs
                tile2x4(w0, w1, depth, x0, x0 + cs, x0 + 2 * cs, x0 + 3 * cs, bp, output + n * rows + r, rows, valid, 4)
                n += 4
            }
            let x0 = columns + n * cs
            switch columnCount - n {
            case 3: tile2x4(w0, w1, depth, x0, x0 + cs, x0 + 2 * cs, x0 + 2 * cs, bp, output + n * rows + r, rows, valid, 3)
            case 2: tile2x2(w0, w1, depth, x0, x0 + cs, bp, output + n * rows + r, rows, valid)
            case 1: tile2x1(w0, w1, depth, x0, bp, output + n * rows + r, valid)
            default: break
            }
            p += 2
        }
    }

    @inline(__always)
    private static func load(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD8<Float> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func splat(_ x: UnsafePointer<Float>, _ k: Int) -> SIMD8<Float> {
        SIMD8<Float>(repeating: x[k])
    }

    /// Stores the first `count` (≥ 8: all) lanes of `v` at `out`.
    @inline(__always)
    private static func put(_ v: SIMD8<Float>, _ out: UnsafeMutablePointer<Float>, _ count: Int) {
        if count >= 8 {
            UnsafeMutableRawPointer(out).storeBytes(of: v, as: SIMD8<Float>.self)
        } else {
            var i = 0
            while i < count { out[i] = v[i]; i += 1 }
        }
    }

    /// One column of a 16-row tile: `valid` rows of `a, b` plus the bias at `out`.
    @inline(__always)
    private static func put2(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ bias: UnsafeRawPointer,
                             _ out: UnsafeMutablePointer<Float>, _ valid: Int) {
        put(a + load(bias, 0), out, valid)
        if valid > 8 { put(b + load(bias, 32), out + 8, valid - 8) }
    }

    @inline(__always)
    private static func tile2x4(_ w0: UnsafeRawPointer, _ w1: UnsafeRawPointer, _ depth: Int,
                                _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>,
                                _ x3: UnsafePointer<Float>, _ bias: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>,
                                _ rows: Int, _ valid: Int, _ cols: Int) {
        var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
        var b0 = a0, b1 = a0, b2 = a0, b3 = a0
        var k = 0, off = 0
        while k < depth {
            let qa = load(w0, off), qb = load(w1, off)
            var v = splat(x0, k)
            a0 = a0.addingProduct(qa, v); b0 = b0.addingProduct(qb, v)
            v = splat(x1, k)
            a1 = a1.addingProduct(qa, v); b1 = b1.addingProduct(qb, v)
            v = splat(x2, k)
            a2 = a2.addingProduct(qa, v); b2 = b2.addingProduct(qb, v)
            v = splat(x3, k)
            a3 = a3.addingProduct(qa, v); b3 = b3.addingProduct(qb, v)
            k += 1; off += 32
        }
        put2(a0, b0, bias, out, valid)
        put2(a1, b1, bias, out + rows, valid)
        put2(a2, b2, bias, out + 2 * rows, valid)
        if cols > 3 { put2(a3, b3, bias, out + 3 * rows, valid) }
    }

    /// Two columns: two k steps per iteration into separate accumulators (eight chains).
    @inline(__always)
    private static func tile2x2(_ w0: UnsafeRawPointer, _ w1: UnsafeRawPointer, _ depth: Int,
                                _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ bias: UnsafeRawPointer,
                                _ out: UnsafeMutablePointer<Float>, _ rows: Int, _ valid: Int) {
        var a0 = SIMD8<Float>(), a1 = a0, b0 = a0, b1 = a0
        var c0 = a0, c1 = a0, d0 = a0, d1 = a0
        var k = 0, off = 0
        while k + 2 <= depth {
            let qa = load(w0, off), qb = load(w1, off), ra = load(w0, off + 32), rb = load(w1, off + 32)
            var v = splat(x0, k)
            a0 = a0.addingProduct(qa, v); b0 = b0.addingProduct(qb, v)
            v = splat(x1, k)
            a1 = a1.addingProduct(qa, v); b1 = b1.addingProduct(qb, v)
            v = splat(x0, k + 1)
            c0 = c0.addingProduct(ra, v); d0 = d0.addingProduct(rb, v)
            v = splat(x1, k + 1)
            c1 = c1.addingProduct(ra, v); d1 = d1.addingProduct(rb, v)
            k += 2; off += 64
        }
        if k < depth {
            let qa = load(w0, off), qb = load(w1, off)
            var v = splat(x0, k)
            a0 = a0.addingProduct(qa, v); b0 = b0.addingProduct(qb, v)
            v = splat(x1, k)
            a1 = a1.addingProduct(qa, v); b1 = b1.addingProduct(qb, v)
        }
        put2(a0 + c0, b0 + d0, bias, out, valid)
        put2(a1 + c1, b1 + d1, bias, out + rows, valid)
    }

    /// Matrix × one vector: four k steps per iteration into separate accumulators (eight chains; the
    /// loop is bound by the weight loads).
    @inline(__always)
    private static func tile2x1(_ w0: UnsafeRawPointer, _ w1: UnsafeRawPointer, _ depth: Int,
                                _ x0: UnsafePointer<Float>, _ bias: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>,
                                _ valid: Int) {
        var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
        var b0 = a0, b1 = a0, b2 = a0, b3 = a0
        var k = 0, off = 0
        while k + 4 <= depth {
            var v = splat(x0, k)
            a0 = a0.addingProduct(load(w0, off), v); b0 = b0.addingProduct(load(w1, off), v)
            v = splat(x0, k + 1)
            a1 = a1.addingProduct(load(w0, off + 32), v); b1 = b1.addingProduct(load(w1, off + 32), v)
            v = splat(x0, k + 2)
            a2 = a2.addingProduct(load(w0, off + 64), v); b2 = b2.addingProduct(load(w1, off + 64), v)
            v = splat(x0, k + 3)
            a3 = a3.addingProduct(load(w0, off + 96), v); b3 = b3.addingProduct(load(w1, off + 96), v)
            k += 4; off += 128
        }
        while k < depth {
            let v = splat(x0, k)
            a0 = a0.addingProduct(load(w0, off), v); b0 = b0.addingProduct(load(w1, off), v)
            k += 1; off += 32
        }
        put2((a0 + a1) + (a2 + a3), (b0 + b1) + (b2 + b3), bias, out, valid)
    }
}
