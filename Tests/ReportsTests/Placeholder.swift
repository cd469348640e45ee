import Testing

@Test func ReportsTestsBuilds() { #expect(Bool(true)) }
