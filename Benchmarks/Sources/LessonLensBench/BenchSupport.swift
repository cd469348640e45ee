import Foundation

/// Helpers shared by the benchmark suites: fixture generation with the ffmpeg CLI, timing of child
/// commands (wall and CPU) and of in-process work, peak memory.
enum Bench {
    static let dir = ProcessInfo.processInfo.environment["LESSONLENS_BENCH_DIR"] ?? "/tmp/lessonlens-bench"

    /// The 10-minute 1280x720 25 fps H.264 + AAC lesson-like file the issues specify, made once and reused.
    static func tenMinuteFile() throws -> String {
        let path = dir + "/bench-10min-720p.mp4"
        if FileManager.default.fileExists(atPath: path) { return path }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        print("generating \(path) (10 min 1280x720 25 fps H.264 + AAC 48 kHz stereo, GOP 2 s; once)…")
        // Slides that change every 20 s with a moving element, and a voice-band tone mix with pauses.
        let video = "testsrc2=size=1280x720:rate=25,drawbox=x='mod(t*40,1100)':y=400:w=120:h=200:color=red@0.8:t=fill"
        let audio = "sine=frequency=220:sample_rate=48000,volume='0.5+0.5*sin(2*PI*0.3*t)':eval=frame,aformat=channel_layouts=stereo"
        try run("/usr/bin/ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video,
                                    "-f", "lavfi", "-i", audio, "-t", "600", "-c:v", "libx264", "-preset", "veryfast",
                                    "-g", "50", "-crf", "28", "-c:a", "aac", "-b:a", "96k", path + ".tmp.mp4"])
        try FileManager.default.moveItem(atPath: path + ".tmp.mp4", toPath: path)
        return path
    }

    /// The repository (Benchmarks/..), for the release binary `make bench` builds first.
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// Issue 10's files, made once: a generated 10-minute 1280x720 lesson (slides, TTS voices, questions;
    /// GOP 2 s) looped to 45 minutes without re-encoding; the same lesson as 1080p HEVC and as 720p H.264
    /// with 10 s GOPs (the recording servers' habit), each looped to 45 minutes.
    static func lessonFiles() throws -> [(String, String)] {
        let lesson = dir + "/lesson-10min-720p.mp4"
        if !FileManager.default.fileExists(atPath: lesson) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            print("generating \(lesson) (a 10-minute 720p lesson; once, a few minutes)…")
            try run("/usr/bin/env", ["python3", repoRoot + "/SampleMedia/generate_lesson.py", "--seed", "41", "--language", "en",
                                         "--mode", "mixed", "--duration", "600", "--size", "1280x720", "--fps", "25", "--heldout",
                                         "--out", lesson])
        }
        func variant(_ name: String, _ encode: [String], seconds: Int? = nil) throws -> String {
            let path = dir + "/" + name
            if FileManager.default.fileExists(atPath: path) { return path }
            print("making \(path) (once)…")
            let limit = seconds.map { ["-t", String($0)] } ?? []
            try run("/usr/bin/ffmpeg", ["-nostdin", "-y", "-i", lesson] + limit + encode + ["-c:a", "copy", path + ".tmp.mp4"])
            try FileManager.default.moveItem(atPath: path + ".tmp.mp4", toPath: path)
            return path
        }
        func looped(_ source: String, _ name: String, seconds: Int = 2700) throws -> String {
            let path = dir + "/" + name
            if FileManager.default.fileExists(atPath: path) { return path }
            try run("/usr/bin/ffmpeg", ["-nostdin", "-y", "-stream_loop", "-1", "-i", source, "-t", String(seconds), "-c", "copy",
                                        "-movflags", "+faststart", path + ".tmp.mp4"])
            try FileManager.default.moveItem(atPath: path + ".tmp.mp4", toPath: path)
            return path
        }
        // x265 encodes 1080p at about 5 frames/s on 2 cores: the first 3 minutes are encoded (15 min, once) and looped.
        let hevc = try variant("lesson-3min-1080p-hevc.mp4", ["-vf", "scale=1920:1080", "-c:v", "libx265", "-preset", "ultrafast",
                                                             "-x265-params", "log-level=error:keyint=50", "-tag:v", "hvc1"], seconds: 180)
        let longGOP = try variant("lesson-10min-720p-gop10.mp4", ["-c:v", "libx264", "-preset", "veryfast", "-crf", "30",
                                                                 "-g", "250", "-keyint_min", "250"])
        return [("45-min 720p H.264 GOP 2 s ", try looped(lesson, "lesson-45min-720p.mp4")),
                ("45-min 1080p HEVC GOP 2 s", try looped(hevc, "lesson-45min-1080p-hevc.mp4")),
                ("45-min 720p H.264 GOP 10 s", try looped(longGOP, "lesson-45min-720p-gop10.mp4")),
                ("3-h 720p H.264 GOP 2 s   ", try looped(lesson, "lesson-3h-720p.mp4", seconds: 10800))]
    }

    struct Timing {
        var wall: Double
        var cpu: Double
        /// Peak resident memory of the child (`run`); 0 for in-process work.
        var peakMiB = 0.0
    }

    /// Runs a child process to completion (stdout and stderr to /dev/null); returns its wall and CPU
    /// (user+sys) seconds and its own peak resident memory (`wait4`'s rusage of that one child, so a
    /// bigger earlier child does not hide it).
    @discardableResult
    static func run(_ exe: String, _ args: [String], env: [String: String]? = nil) throws -> Timing {
        let start = Date()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([exe] + args).map { strdup($0) } + [nil]
        let envList = env.map { $0.map { "\($0.key)=\($0.value)" } } ?? ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let envp = envList.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, exe, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw NSError(domain: "bench", code: Int(spawned), userInfo: [NSLocalizedDescriptionKey: "cannot start \(exe): \(String(cString: strerror(spawned)))"])
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        guard exited, (status >> 8) & 0xff == 0 else {
            throw NSError(domain: "bench", code: Int(status), userInfo: [NSLocalizedDescriptionKey: "\(exe) \(args) failed (status \(status))"])
        }
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return Timing(wall: Date().timeIntervalSince(start), cpu: cpu, peakMiB: Double(usage.ru_maxrss) / 1024)
    }

    /// Times in-process work: wall and CPU seconds of this process.
    static func measure(_ body: () throws -> Void) rethrows -> Timing {
        let before = selfCPU()
        let start = Date()
        try body()
        return Timing(wall: Date().timeIntervalSince(start), cpu: selfCPU() - before)
    }

    /// Best of `n` runs (least disturbed by the other core's load).
    static func best(_ n: Int, _ body: () throws -> Timing) rethrows -> Timing {
        var b = Timing(wall: .infinity, cpu: .infinity)
        for _ in 0..<n {
            let t = try body()
            if t.wall < b.wall { b = t }
        }
        return b
    }

    static func selfCPU() -> Double { cpu(RUSAGE_SELF) }

    private static func cpu(_ who: __rusage_who) -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(who.rawValue), &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    /// Peak resident memory of this process so far, MiB.
    static func peakMiB() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_maxrss) / 1024
    }

    static func fmt(_ t: Timing) -> String { String(format: "%6.2f s wall %6.2f s cpu", t.wall, t.cpu) }
}
