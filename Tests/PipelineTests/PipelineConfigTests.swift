import Foundation
import MediaCore
import TestSupport
import Testing
@testable import Pipeline
import Analysis

/// The repository root.
let repoRoot = TestEnvironment.repoRoot

@Suite struct PipelineConfigTests {
    @Test func tableIsConsistent() throws {
        #expect(Set(Parameters.table.map(\.key)).count == Parameters.table.count, "duplicate key")
        for spec in Parameters.table {
            // Every default must pass its own validation.
            #expect(try Parameters.validate(key: spec.key, value: spec.defaultValue, source: "table") == spec.defaultValue,
                    "\(spec.key)")
            #expect(!spec.help.isEmpty)
        }
        let help = Parameters.helpText()
        #expect(help.contains("video.sampleFps") && help.contains("0.5…10") && help.contains("default 2"))
    }

    /// Every file in pipelines/ loads, and each built-in preset equals its file.
    @Test func everyPipelineFileLoads() throws {
        let dir = repoRoot.appendingPathComponent("pipelines")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yml") }.sorted()
        #expect(Set(files) == ["audio-only.yml", "quick.yml", "st-15s.yml", "standard.yml"])
        for f in files {
            let path = dir.appendingPathComponent(f).path
            let config = try PipelineConfig.load(path: path)
            #expect(config.parameters.keys.sorted() == Parameters.keys)
            let builtin = try PipelineConfig.builtin(name: config.name)
            #expect(config.parameters == builtin.parameters, "\(f) differs from the built-in preset")
            #expect(config.description == builtin.description)
            #expect(f == "\(config.name).yml")
        }
        let quick = try PipelineConfig.builtin(name: "quick")
        #expect(quick.settings.videoSampleFps == 0.5 && !quick.settings.clipsEnabled && quick.settings.videoEnabled)
        #expect(try PipelineConfig.builtin(name: "st-15s").settings.analytics.stIntervalSeconds == 15)
        #expect(try !PipelineConfig.builtin(name: "audio-only").settings.videoEnabled)
        #expect(try PipelineConfig.builtin(name: "standard").settings.reportLanguage == .zh)
    }

    /// Regenerates pipelines/*.yml from the presets: `LESSONLENS_WRITE_PIPELINES=1 swift test --filter writePresetFiles`.
    @Test(.enabled(if: TestEnvironment.variable("LESSONLENS_WRITE_PIPELINES") == "1"))
    func writePresetFiles() throws {
        for name in PipelineConfig.builtinNames {
            let text = try PipelineConfig.builtin(name: name).yamlText()
            try text.write(to: repoRoot.appendingPathComponent("pipelines/\(name).yml"), atomically: true, encoding: .utf8)
        }
    }

    @Test func nestedAndDottedKeysAndDefaults() throws {
        let c = try PipelineConfig.parse(yaml: """
            name: mine
            parameters:
              video:
                sampleFps: 1
              st.rule: instant
              clips.enabled: "false"
              findings.minWaitSeconds: "4.5"
            """, file: "mine.yml")
        #expect(c.name == "mine" && c.settings.videoSampleFps == 1 && c.settings.analytics.stRule == .instant)
        #expect(!c.settings.clipsEnabled && c.settings.analytics.minWaitSeconds == 4.5)
        #expect(c.settings.analytics.monologueSeconds == 300)
        let empty = try PipelineConfig.parse(yaml: "", file: "empty.yml", defaultName: "empty")
        #expect(empty.parameters == Parameters.defaults && empty.name == "empty")
    }

    @Test func unknownKeyNamesKeyFileAndValidKeys() {
        do {
            _ = try PipelineConfig.parse(yaml: "parameters:\n  video.sampleFPS: 1\n", file: "/tmp/my.yml")
            Issue.record("expected an error")
        } catch let e as PipelineConfigError {
            #expect(e.exitCode == .usage)
            #expect(e.message.contains("'video.sampleFPS'") && e.message.contains("/tmp/my.yml"))
            #expect(e.message.contains("video.sampleFps") && e.message.contains("report.language"))
        } catch { Issue.record("\(error)") }
    }

    @Test(arguments: [
        ("video.sampleFps: 20", "0.5…10"),
        ("st.intervalSeconds: 20", "15 or 30"),
        ("st.rule: majority", "window-majority | instant"),
        ("audio.track: 1.5", "whole number"),
        ("voice.enabled: 3", "true or false"),
        ("report.language: fr", "zh | en"),
        ("findings.teacherTalkRatioMax: -0.1", "0…1"),
    ])
    func outOfRangeNamesKeyFileAndRange(line: String, valid: String) {
        let key = String(line.prefix(while: { $0 != ":" }))
        do {
            _ = try PipelineConfig.parse(yaml: "parameters:\n  \(line)\n", file: "bad.yml")
            Issue.record("expected an error for \(line)")
        } catch let e as PipelineConfigError {
            #expect(e.message.contains("'\(key)'") && e.message.contains("bad.yml") && e.message.contains(valid), "\(e.message)")
        } catch { Issue.record("\(error)") }
    }

    @Test func otherFileErrors() throws {
        #expect(throws: PipelineConfigError.self) { try PipelineConfig.parse(yaml: "parameter:\n  a: 1\n", file: "t.yml") }
        #expect(throws: PipelineConfigError.self) { try PipelineConfig.parse(yaml: "- 1\n- 2\n", file: "t.yml") }
        #expect(throws: PipelineConfigError.self) { try PipelineConfig.parse(yaml: "parameters: [1, 2]\n", file: "t.yml") }
        #expect(throws: PipelineConfigError.self) { try PipelineConfig.parse(yaml: "name: [unclosed\n", file: "t.yml") }
        #expect(throws: PipelineConfigError.self) {
            try PipelineConfig.parse(yaml: "parameters:\n  microLessons.minSeconds: 1000\n  microLessons.maxSeconds: 600\n",
                                     file: "t.yml")
        }
        #expect(throws: PipelineConfigError.self) { try PipelineConfig.load(path: "/nonexistent/p.yml") }
        #expect(throws: PipelineConfigError.unknownPreset(name: "fast", valid: PipelineConfig.builtinNames)) {
            try PipelineConfig.builtin(name: "fast")
        }
        let set = try PipelineConfig.builtin(name: "standard").setting("video.sampleFps", to: "4")
        #expect(set.settings.videoSampleFps == 4)
        #expect(throws: PipelineConfigError.self) { try PipelineConfig.builtin(name: "standard").setting("x.y", to: "4") }
    }
}
