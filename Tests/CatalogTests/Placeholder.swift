import Testing

@Test func CatalogTestsBuilds() { #expect(Bool(true)) }
