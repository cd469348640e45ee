import Foundation
import Testing
@testable import Analysis
import MediaCore

/// The bounded block record: pages spilled to a temporary file read back exactly, and the analysis
/// gives the same result whether its record is in memory or mostly on disk.
@Suite struct BlockStoreTests {
    static func block(_ i: Int) -> VoiceBlock {
        var b = VoiceBlock()
        b.meanDB = Float(i)
        b.minDB = Float(-i)
        b.flux = Float(i % 97) / 97
        b.voiced = UInt8(i % 6)
        b.setMFCC(i % 12, Float(i % 50) / 10)
        return b
    }

    @Test func spilledPagesReadBackExactly() {
        let store = BlockStore(pageBlocks: 7)
        for i in 0..<103 { store.append(Self.block(i)) }
        #expect(store.count == 103)
        #expect(store.spilled)
        // Out of order, across pages, the cache and the unfinished last page.
        var order = Array(0..<103)
        var s: UInt64 = 42
        for k in order.indices.reversed() {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            order.swapAt(k, Int(s >> 33) % (k + 1))
        }
        for i in order + Array(0..<103) {
            let b = store[i]
            #expect(b.meanDB == Float(i) && b.minDB == Float(-i) && b.voiced == UInt8(i % 6))
            #expect(b.mfccValue(i % 12) == Self.block(i).mfccValue(i % 12))
        }
        #expect(store.unreadablePages.isEmpty)
    }

    @Test func smallRecordingsNeverTouchTheDisk() {
        let store = BlockStore(pageBlocks: 100)
        for i in 0..<99 { store.append(Self.block(i)) }
        #expect(!store.spilled)
        #expect(store[98].meanDB == 98)
    }

    @Test func histogramPercentileMatchesSortedPercentile() {
        var h = LevelHistogram()
        var values: [Float] = []
        var s: UInt64 = 7
        for _ in 0..<5000 {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            let v = -90 + Float(s >> 40) / Float(1 << 24) * 80
            values.append(v)
            h.add(v)
        }
        for p in [0.0, 0.05, 0.1, 0.5, 1.0] {
            #expect(abs(h.percentile(p) - NoiseFloor.percentile(values, p)) <= 0.051)
        }
        #expect(LevelHistogram().percentile(0.1) == 0)
    }

    @Test func analysisIsTheSameWithTheRecordOnDisk() {
        // 70 s: a loud close voice and a quieter one taking turns over room noise.
        var x = VoiceAnalyzerTests.noise(count: 16000 * 70, rms: 0.002)
        let teacher = VoiceAnalyzerTests.voice(seconds: 8, hz: 120, level: 0.12)
        let student = VoiceAnalyzerTests.voice(seconds: 5, hz: 260, level: 0.03)
        for start in stride(from: 2, to: 60, by: 16) {
            for i in teacher.indices { x[16000 * start + i] += teacher[i] }
            for i in student.indices { x[16000 * (start + 9) + i] += student[i] }
        }
        let paged = VoiceAnalyzer(pageBlocks: 37)
        let onDisk = VoiceAnalyzerTests.analyse(x, with: paged)
        let inMemory = VoiceAnalyzerTests.analyse(x)
        #expect(paged.spilledBlocks)
        #expect(onDisk.timeline == inMemory.timeline)
        #expect(onDisk.risingPitchEnds == inMemory.risingPitchEnds)
        #expect(onDisk.speakers == inMemory.speakers)
        #expect(onDisk.noiseFloorDBFS == inMemory.noiseFloorDBFS)
        #expect(onDisk.timeline.contains { $0.label == .teacher })
    }
}
