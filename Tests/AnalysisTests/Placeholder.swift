import Testing

@Test func AnalysisTestsBuilds() { #expect(Bool(true)) }
