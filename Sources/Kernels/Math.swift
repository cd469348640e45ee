// Kernels module: SIMD DSP and vision kernels with scalar references (docs/ARCHITECTURE.md).
// No Foundation and no I/O; the C math library is the only import, for log10/cos/exp.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Float log10 through the C library (the stdlib has no transcendental functions).
@inline(__always) func kLog10(_ x: Float) -> Float { log10f(x) }
/// Float natural log through the C library.
@inline(__always) func kLog(_ x: Float) -> Float { logf(x) }
/// Float exp through the C library.
@inline(__always) func kExp(_ x: Float) -> Float { expf(x) }
/// Double cosine through the C library (tables are built in Double, then rounded).
@inline(__always) func kCos(_ x: Double) -> Double { cos(x) }
/// Double sine through the C library.
@inline(__always) func kSin(_ x: Double) -> Double { sin(x) }
/// Double log10 through the C library.
@inline(__always) func kLog10(_ x: Double) -> Double { log10(x) }
/// Double power of ten.
@inline(__always) func kPow10(_ x: Double) -> Double { pow(10, x) }
