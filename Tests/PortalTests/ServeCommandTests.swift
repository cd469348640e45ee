import Catalog
import Foundation
import Testing
import TestSupport

/// `lessonlens serve` and `lessonlens users` end to end (the built binary).
@Suite(.serialized) struct ServeCommandTests {
    @Test func firstStartWithoutAccountsAsksForUsersAdd() throws {
        let temp = try TempFolder("serve-cli")
        defer { temp.remove() }
        let catalog = temp.path("out/catalog.sqlite")
        _ = try CatalogStore(path: catalog)
        let serve = try LessonLens.run(["serve", "--catalog", catalog, "--out", temp.path("out"), "--listen", "127.0.0.1:0"])
        #expect(serve.status == 78)
        #expect(serve.stderr.split(separator: "\n").count == 1)
        #expect(serve.stderr.contains("lessonlens users add"))

        // The password comes from stdin or a file, never argv; too short or missing is a usage error.
        let empty = try LessonLens.run(["users", "add", "li", "--role", "teacher", "--teacher-id", "T1", "--catalog", catalog])
        #expect(empty.status == 64 && empty.stderr.contains("at least 8 characters"))
        let pw = temp.path("pw")
        try Data("correct-horse-battery\n".utf8).write(to: URL(fileURLWithPath: pw))
        let noID = try LessonLens.run(["users", "add", "li", "--role", "teacher", "--password-file", pw, "--catalog", catalog])
        #expect(noID.status == 64 && noID.stderr.contains("--teacher-id"))
        let badRole = try LessonLens.run(["users", "add", "li", "--role", "admin", "--password-file", pw, "--catalog", catalog])
        #expect(badRole.status == 64)
        let ok = try LessonLens.run(["users", "add", "li", "--role", "teacher", "--teacher-id", "T1", "--password-file", pw, "--catalog", catalog])
        #expect(ok.status == 0 && ok.stdout == "user li: teacher teacher-id T1\n")
        let list = try LessonLens.run(["users", "list", "--catalog", catalog])
        #expect(list.stdout == "li\tteacher\tT1\t-\n")
        let hash = try #require(try CatalogStore(path: catalog).user(named: "li")?.passwordHash)
        #expect(hash.hasPrefix("$2") && !hash.contains("correct-horse"))
        let badListen = try LessonLens.run(["serve", "--catalog", catalog, "--out", temp.path("out"), "--listen", "nowhere"])
        #expect(badListen.status == 64)
    }
}
