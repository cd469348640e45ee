// `lessonlens-bench [suite…]`: suites are kernels, audio, video, voice, vision (default: all).
import Foundation

let requested = Set(CommandLine.arguments.dropFirst())
func wants(_ suite: String) -> Bool { requested.isEmpty || requested.contains(suite) }

if wants("kernels") { runKernelBenchmarks() }
if wants("voice") { runVoiceBenchmarks() }
