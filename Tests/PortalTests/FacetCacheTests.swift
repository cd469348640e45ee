import Catalog
@testable import Portal
import Testing

@Suite("The lesson list's filter choices, cached per scope for a while")
struct FacetCacheTests {
    @Test("fresh entries are reused per scope, stale ones reloaded, scopes never mixed, size bounded")
    func cache() async throws {
        let cache = FacetCache(ttlSeconds: 30, maxScopes: 3)
        let t0 = ContinuousClock.now
        var loads = 0
        func get(_ q: LessonQuery, at: Duration, _ subject: String) async throws -> [String] {
            try await cache.facets(q, now: t0 + at) { loads += 1; return ([subject], []) }.subjects
        }
        let alice = LessonQuery(teacherID: "T1"), bob = LessonQuery(teacherID: "T2"), school = LessonQuery(school: "S1")
        #expect(try await get(alice, at: .zero, "数学") == ["数学"] && loads == 1)
        #expect(try await get(alice, at: .seconds(29), "changed") == ["数学"] && loads == 1)
        #expect(try await get(bob, at: .seconds(1), "物理") == ["物理"] && loads == 2)
        #expect(try await get(alice, at: .seconds(31), "语文") == ["语文"] && loads == 3)
        // Filters other than the scope share the scope's entry (the choices are the scope's, not the filter's).
        #expect(try await get(LessonQuery(teacherID: "T1", subject: "x"), at: .seconds(32), "no") == ["语文"] && loads == 3)
        _ = try await get(school, at: .seconds(33), "a")
        _ = try await get(LessonQuery(), at: .seconds(34), "b")  // a 4th scope: the cache was full and is emptied
        #expect(try await get(alice, at: .seconds(35), "英语") == ["英语"])
    }
}
