// swift-tools-version: 6.1
import PackageDescription

// Module split and dependency rules: docs/ARCHITECTURE.md (only MediaIO imports CFFmpeg,
// only Catalog imports GRDB; Kernels imports only RealModule, CKernelsCPU and KernelsAVX2, and only
// Kernels imports those two).
// The signal-processing modules are compiled with -O even in debug builds: unoptimised DSP loops run
// 30-100x slower, which would make the end-to-end tests on SampleMedia take many minutes. The other
// modules keep -Onone for debugging.
let optimizedEvenInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

// KernelsAVX2 alone is compiled for Haswell-class CPUs (AVX2, FMA; `x86-64-v3` is not accepted by
// swiftc, `haswell` is); Kernels calls it only after CKernelsCPU has found AVX2 and FMA at run time.
// Its code must stay non-generic with private @inline(__always) helpers: an out-of-line generic
// specialisation there would have shared linkage, and the linker could hand that AVX2 copy to portable
// callers in other modules (crash on an older CPU). `-disable-cmo`: no function body of it is serialised
// into its module file, so no caller can inline it and recompile it for the baseline CPU (checks as done:
// Sources/KernelsAVX2/DenseAVX2.swift). On other architectures (the manifest is compiled for the host) it
// is built with the package's default flags and never called.
#if arch(x86_64)
let haswell: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell", "-Xfrontend", "-disable-cmo"])]
#else
let haswell: [SwiftSetting] = []
#endif

// The module graph is enforced (docs/ARCHITECTURE.md, scripts/check-imports.py): a file's imports are its
// own (MemberImportVisibility) and stay out of its module's interface unless written `public import`
// (InternalImportsByDefault). Applied to every target below.
let importRules: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "LessonLens",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lessonlens", targets: ["LessonLensCLI"]),
        .library(name: "LessonLensKit", targets: ["Pipeline", "MediaIO", "Kernels", "Analysis", "Reports", "Catalog", "MediaCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // SHA-256 of recordings and model files (BoringSSL's assembly; the hand-written one was 6x slower).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // Float/Double elementary functions for Kernels instead of hand-wrapped libm calls.
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        // The shared PostgreSQL catalog and job queue of many worker hosts (issue 12).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // Signature checks of the district identity provider's tokens (JWKS keys, RS256/ES256; issue 11).
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        // The teacher portal (`lessonlens serve`, issue 11). Only the FullFoundation trait: the default
        // ConfigurationSupport would pull swift-configuration, which the portal does not use.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        // NIOCore for the portal's peer address (rate limiting, audit log); already in the graph through hummingbird.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        // HTTPField (headers the portal appends: Set-Cookie, security headers); hummingbird's own dependency.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // bcrypt password hashes of local portal accounts (HummingbirdBcrypt).
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswresample-dev", "libavutil-dev"])]
        ),
        .target(name: "MediaCore"),
        .target(name: "MediaIO", dependencies: ["MediaCore", "CFFmpeg", .product(name: "Logging", package: "swift-log")],
                swiftSettings: optimizedEvenInDebug),
        // CPUID + XGETBV for Kernels' run-time kernel choice (C: Swift has no inline assembly), and the
        // LESSONLENS_SIMD=portable override.
        .target(name: "CKernelsCPU"),
        .target(name: "KernelsAVX2", swiftSettings: optimizedEvenInDebug + haswell),
        .target(name: "Kernels", dependencies: [.product(name: "RealModule", package: "swift-numerics"), "CKernelsCPU", "KernelsAVX2"],
                swiftSettings: optimizedEvenInDebug, linkerSettings: [.linkedLibrary("m")]),
        .target(name: "Analysis", dependencies: ["MediaCore", "Kernels"], swiftSettings: optimizedEvenInDebug),
        .target(name: "Catalog", dependencies: [
            "MediaCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The PostgreSQL backend of the catalog and job queue (`--catalog postgres://…`, issue 12).
        .target(name: "CatalogPostgres", dependencies: [
            "MediaCore", "Catalog",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Reports", dependencies: ["MediaCore"]),
        // Sign-in with the district identity provider: config, token verification, OIDC code flow (issue 11).
        .target(name: "PortalIdentity", dependencies: [
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Pipeline", dependencies: [
            "MediaCore", "MediaIO", "Kernels", "Analysis", "Catalog", "CatalogPostgres", "Reports",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The teacher portal: `lessonlens serve` as a library, so tests start it in-process on loopback.
        .target(name: "Portal", dependencies: [
            "MediaCore", "Catalog", "Reports", "PortalIdentity",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "LessonLensCLI", dependencies: [
            "Pipeline", "MediaCore", "Portal",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        // Shared by the test targets: seeded RNG, temporary folders, the built binary's path, process
        // runners (ffmpeg, ffprobe, sh, the lessonlens binary), media generators, test tags, waits that hold no
        // thread and the `.ownThread` trait (on Pipeline's ThreadPoolExecutor).
        .target(name: "TestSupport", dependencies: ["Pipeline"], path: "Tests/TestSupport"),
        .testTarget(name: "MediaIOTests", dependencies: ["MediaIO", "MediaCore", "TestSupport"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport", .product(name: "RealModule", package: "swift-numerics")]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "MediaCore", "Kernels", "Pipeline", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog", "MediaCore", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "MediaCore", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Analysis", "Catalog", "Reports", "MediaCore", "TestSupport"]),
        // The job queue on both backends, on a throw-away PostgreSQL cluster (TestSupport.PostgresCluster).
        .testTarget(name: "QueueTests", dependencies: ["Catalog", "CatalogPostgres", "Pipeline", "MediaCore", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["MediaCore", "TestSupport"]),
        // A local issuer (RSA and ECDSA keys generated in the test) signs the tokens the verifier judges.
        .testTarget(name: "IdentityTests", dependencies: [
            "PortalIdentity",
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CryptoExtras", package: "swift-crypto"),
        ]),
        .testTarget(name: "PortalTests", dependencies: ["Portal", "PortalIdentity", "Catalog", "MediaCore", "TestSupport",
                                                    .product(name: "Crypto", package: "swift-crypto")]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system && target.name != "CKernelsCPU" {
    target.swiftSettings = (target.swiftSettings ?? []) + importRules
}
