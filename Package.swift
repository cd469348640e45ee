// swift-tools-version: 6.1
import PackageDescription

// Module split and dependency rules: docs/ARCHITECTURE.md (only MediaIO imports CFFmpeg,
// only Catalog imports GRDB, Kernels imports nothing).
// The signal-processing modules are compiled with -O even in debug builds: unoptimised DSP loops run
// 30-100x slower, which would make the end-to-end tests on SampleMedia take many minutes. The other
// modules keep -Onone for debugging.
let optimizedEvenInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

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
        .target(name: "Kernels", swiftSettings: optimizedEvenInDebug, linkerSettings: [.linkedLibrary("m")]),
        .target(name: "Analysis", dependencies: ["MediaCore", "Kernels"], swiftSettings: optimizedEvenInDebug),
        .target(name: "Catalog", dependencies: ["MediaCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Reports", dependencies: ["MediaCore"]),
        .target(name: "Pipeline", dependencies: [
            "MediaCore", "MediaIO", "Kernels", "Analysis", "Catalog", "Reports",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "LessonLensCLI", dependencies: [
            "Pipeline", "MediaCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "MediaIOTests", dependencies: ["MediaIO", "MediaCore"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "MediaCore", "Kernels"], exclude: ["Fixtures"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog", "MediaCore"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "MediaCore"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Analysis", "Reports", "MediaCore"]),
        .testTarget(name: "CLITests", dependencies: ["MediaCore"]),
    ],
    swiftLanguageModes: [.v6]
)
