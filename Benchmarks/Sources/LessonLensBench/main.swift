// `LessonLensBench [suite…]`: suites are kernels, media, voice, vad, vision, pipeline (default: all);
// `dense` runs only the Dense.multiply table that ends `kernels`.
import Foundation

let requested = Set(CommandLine.arguments.dropFirst())
func wants(_ suite: String) -> Bool { requested.isEmpty || requested.contains(suite) }

do {
    if wants("kernels") { runKernelBenchmarks() }
    if requested.contains("dense") && !requested.contains("kernels") { runDenseBenchmarks() }
    if wants("media") { try runMediaBenchmarks() }
    if wants("voice") { runVoiceBenchmarks() }
    if wants("vad") { runVADBenchmarks() }
    if wants("vision") { runVisionBenchmarks() }
    if wants("pipeline") { try runPipelineBenchmarks() }
} catch {
    FileHandle.standardError.write(Data("bench failed: \(error)\n".utf8))
    exit(1)
}
