import MediaCore
import Testing
@testable import Reports
import Foundation

/// The wait-time histogram colours its bins by the threshold the pipeline used for the wait finding
/// (`findings.minWaitSeconds`, recorded in the report), not by a second default. Before, a pipeline with
/// `findings.minWaitSeconds: 5` still coloured the 3–5 s bins green (issue 13, item 1).
@Suite struct WaitGoalTests {
    static let bins = [HistogramBin(from: 0, to: 1, count: 2), HistogramBin(from: 3, to: 5, count: 4), HistogramBin(from: 5, to: nil, count: 1)]

    static func fills(_ svg: String) -> [String] {
        svg.components(separatedBy: "<rect ").dropFirst().compactMap { r in
            r.range(of: "fill=\"").map { String(r[$0.upperBound...].prefix(7)) }
        }
    }

    @Test func binsAreColouredByThePipelinesThreshold() {
        var report = SampleReport.make()
        report.pipeline.parameters["findings.minWaitSeconds"] = .number(5)
        #expect(report.waitGoalSeconds == 5)
        #expect(Self.fills(Charts.waitHistogram(Self.bins, .en, minWaitSeconds: report.waitGoalSeconds)) == ["#E69F00", "#E69F00", "#009E73"])
        report.pipeline.parameters["findings.minWaitSeconds"] = .number(3)
        #expect(Self.fills(Charts.waitHistogram(Self.bins, .en, minWaitSeconds: report.waitGoalSeconds)) == ["#E69F00", "#009E73", "#009E73"])
        report.pipeline.parameters = [:]
        #expect(report.waitGoalSeconds == 3, "a report made without the parameter: the research recommendation")
    }
}
