import Testing

@Test func PipelineTestsBuilds() { #expect(Bool(true)) }
