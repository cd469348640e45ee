// swift-tools-version: 6.1
import PackageDescription

// The root package is named explicitly: its identity must not depend on the clone's folder name.
// Speed benchmarks, built only by `make bench` so CI stays fast. Each one prints its time next to a
// baseline measured in the same run (ffmpeg CLI, numpy, PySceneDetect or the scalar reference).
let package = Package(
    name: "LessonLensBenchmarks",
    dependencies: [.package(name: "LessonLens", path: "..")],
    targets: [
        .executableTarget(
            name: "LessonLensBench",
            dependencies: [.product(name: "LessonLensKit", package: "LessonLens")],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
