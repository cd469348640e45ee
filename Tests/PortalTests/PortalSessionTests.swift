import Catalog
import Foundation
import MediaCore
import Portal
import Testing
import TestSupport

/// Sign-in, sessions, CSRF, rate limiting, range requests, escaping, languages, limits and error pages.
@Suite(.serialized) struct PortalSessionTests {
    @Test func signInSetsAHashedHttpOnlySessionAndIsAudited() async throws {
        let f = try PortalFixture("signin")
        defer { f.remove() }
        let portal = try await f.start()
        let c = HTTPTestClient(port: portal.port)
        let wrong = try await c.signIn("alice", password: "nope-nope-nope")
        #expect(wrong.status == 401)
        #expect(wrong.text.contains("账号或密码不正确") || wrong.text.contains("Wrong user name"))
        let ok = try await c.signIn("alice")
        #expect(ok.status == 303)
        #expect(ok.header("Location") == "/lessons")
        let cookie = try #require(ok.headers("Set-Cookie").first { $0.hasPrefix("ll_session=") })
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"))
        let token = try #require(c.cookies["ll_session"])
        #expect(try f.catalog.session(tokenHash: token) == nil)  // the token itself is not stored
        #expect(try f.catalog.session(tokenHash: sha256Hex(token))?.user.name == "alice")
        let log = try f.catalog.auditLog()
        #expect(log.contains { $0.action == "sign-in" && $0.userName == "alice" && $0.ip == "127.0.0.1" })
        #expect(log.contains { $0.action == "sign-in-failed" && $0.userName == "alice" })
        #expect(try await c.get("/lessons").status == 200)
        // Sign-out needs the CSRF token and ends the session.
        #expect(try await c.post("/logout", form: [:]).status == 403)
        let out = try await c.post("/logout", form: ["csrf": try await c.csrf()])
        #expect(out.status == 303)
        #expect(try f.catalog.session(tokenHash: sha256Hex(token)) == nil)
        #expect(try await c.get("/lessons").status == 303)
        await portal.stop()
    }

    @Test func secureCookiesWhenAsked() async throws {
        let f = try PortalFixture("secure")
        defer { f.remove() }
        let portal = try await f.start(secureCookies: true)
        let c = HTTPTestClient(port: portal.port)
        let ok = try await c.signIn("bob")
        #expect(ok.headers("Set-Cookie").first { $0.hasPrefix("ll_session=") }?.contains("; Secure") == true)
        await portal.stop()
    }

    @Test func signInWithoutTheFormsTokenIsRefused() async throws {
        let f = try PortalFixture("csrf")
        defer { f.remove() }
        let portal = try await f.start()
        let c = HTTPTestClient(port: portal.port)
        let r = try await c.post("/login", form: ["user": "alice", "password": PortalFixture.password("alice")])
        #expect(r.status == 403)
        _ = try await c.get("/login")
        let forged = try await c.post("/login", form: ["csrf": "forged", "user": "alice", "password": PortalFixture.password("alice")])
        #expect(forged.status == 403)
        #expect(c.cookies["ll_session"] == nil)
        await portal.stop()
    }

    @Test func fiveFailuresAMinuteThenTooManyRequests() async throws {
        let f = try PortalFixture("ratelimit")
        defer { f.remove() }
        let portal = try await f.start()
        let c = HTTPTestClient(port: portal.port)
        for _ in 0..<5 { #expect(try await c.signIn("alice", password: "wrong-wrong-wrong").status == 401) }
        let blocked = try await c.signIn("alice")
        #expect(blocked.status == 429)
        #expect(c.cookies["ll_session"] == nil)
        // Another account from the same address is not blocked.
        #expect(try await c.signIn("bob").status == 303)
        #expect(try f.catalog.auditLog().contains { $0.action == "sign-in-refused" })
        await portal.stop()
    }

    @Test func clipsAndRecordingsAnswerRangeRequests() async throws {
        let f = try PortalFixture("range")
        defer { f.remove() }
        let portal = try await f.start()
        let c = HTTPTestClient(port: portal.port)
        try await c.signIn("alice")
        let clip = "/lessons/\(f.ids["alice"]!)/files/clips/01-intro.mp4"
        let size = PortalFixture.clipBytes
        let full = try await c.get(clip)
        #expect(full.status == 200 && full.body.count == size && full.header("Accept-Ranges") == "bytes")
        #expect(full.header("Content-Type") == "video/mp4")
        let first = try await c.get(clip, headers: ["Range": "bytes=0-99"])
        #expect(first.status == 206)
        #expect(first.header("Content-Range") == "bytes 0-99/\(size)")
        #expect(first.body == full.body.prefix(100))
        let open = try await c.get(clip, headers: ["Range": "bytes=9990-"])
        #expect(open.status == 206 && open.header("Content-Range") == "bytes 9990-9999/\(size)" && open.body.count == 10)
        let suffix = try await c.get(clip, headers: ["Range": "bytes=-10"])
        #expect(suffix.status == 206 && suffix.body == full.body.suffix(10))
        let past = try await c.get(clip, headers: ["Range": "bytes=20000-"])
        #expect(past.status == 416 && past.header("Content-Range") == "bytes */\(size)")
        let rec = try await c.get("/lessons/\(f.ids["alice"]!)/recording", headers: ["Range": "bytes=100-199"])
        #expect(rec.status == 206 && rec.header("Content-Range") == "bytes 100-199/5000" && rec.body == Data(repeating: 1, count: 100))
        // The report's HTML may not run scripts.
        let report = try await c.get("/lessons/\(f.ids["alice"]!)/files/report.html")
        #expect(report.header("Content-Security-Policy")?.contains("sandbox") == true)
        await portal.stop()
    }

    @Test func hostileTextIsEscapedOnEveryPage() async throws {
        let f = try PortalFixture("escape")
        defer { f.remove() }
        let portal = try await f.start()
        let c = HTTPTestClient(port: portal.port)
        try await c.signIn("carol")
        for path in ["/lessons", "/lessons/\(f.ids["alice"]!)", "/trends", "/school"] {
            let r = try await c.get(path)
            #expect(r.status == 200, "\(path)")
            #expect(!r.text.contains("<script>alert"), "\(path)")
            #expect(!r.text.contains("Intro <b>"), "\(path)")
        }
        let lesson = try await c.get("/lessons/\(f.ids["alice"]!)")
        #expect(lesson.text.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;Ohm"))
        // Moments seek the recording; a clip path leaving the folder is not linked.
        #expect(lesson.text.contains("class=\"seek\" data-t=\"12.5\""))
        #expect(lesson.text.contains("/files/clips/01-intro.mp4"))
        #expect(!lesson.text.contains("secret.txt"))
        let api = try await c.get("/api/v1/lessons/\(f.ids["alice"]!)")
        let obj = try JSONSerialization.jsonObject(with: api.body) as? [String: Any]
        #expect(obj?["title"] as? String == PortalFixture.hostileTitle)
        await portal.stop()
    }

    @Test func languageFromQueryCookieOrHeader() async throws {
        let f = try PortalFixture("lang")
        defer { f.remove() }
        let portal = try await f.start()
        let c = HTTPTestClient(port: portal.port)
        try await c.signIn("alice")
        #expect(try await c.get("/lessons", headers: ["Accept-Language": "zh-CN,zh;q=0.9"]).text.contains("我的课"))
        #expect(try await c.get("/lessons", headers: ["Accept-Language": "en-GB,en;q=0.9"]).text.contains("My lessons"))
        let en = try await c.get("/lessons?lang=en")
        #expect(en.text.contains("My lessons") && en.text.contains("<html lang=\"en\">"))
        #expect(try await c.get("/trends").text.contains("My trends"))  // remembered in a cookie
        #expect(try await c.get("/trends?lang=zh").text.contains("我的趋势"))
        await portal.stop()
    }

    @Test func limitsAndErrorPages() async throws {
        let f = try PortalFixture("limits")
        defer { f.remove() }
        let portal = try await f.start()
        let c = HTTPTestClient(port: portal.port)
        let big = try await c.send("POST", "/login", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                   body: Data(repeating: UInt8(ascii: "a"), count: 100_000))
        #expect(big.status == 413)
        #expect(big.text.contains("<!DOCTYPE html>"))
        let justOver = try await c.send("POST", "/login", headers: ["Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"],
                                        body: Data(("4e20\r\n" + String(repeating: "b", count: 20_000) + "\r\n0\r\n\r\n").utf8))
        #expect(justOver.status == 413)
        try await c.signIn("alice")
        let missing = try await c.get("/no/such/page")
        #expect(missing.status == 404)
        #expect(missing.text.contains("<!DOCTYPE html>") && !missing.text.contains("Error(") && !missing.text.contains("Swift"))
        let api = try await c.get("/api/v1/nothing")
        #expect(api.status == 404 && api.header("Content-Type")?.hasPrefix("application/json") == true)
        #expect(try await c.get("/lessons/abc").status == 404)
        #expect(try await c.get("/lessons?page=-3&sort=%27;DROP").status == 200)
        await portal.stop()
    }

    @Test func trendsAndTheAPI() async throws {
        let f = try PortalFixture("trends")
        defer { f.remove() }
        let portal = try await f.start()
        let c = HTTPTestClient(port: portal.port)
        try await c.signIn("alice")
        let page = try await c.get("/trends")
        #expect(page.text.contains("id=\"talk-chart\"") && page.text.contains("id=\"rtch-chart\"") && page.text.contains("id=\"questions-chart\""))
        let trends = try JSONSerialization.jsonObject(with: try await c.get("/api/v1/trends").body) as? [String: Any]
        let points = trends?["points"] as? [[String: Any]]
        #expect(points?.map { $0["id"] as? Int64 } == [f.ids["alice"]!, f.ids["outside"]!])
        let list = try JSONSerialization.jsonObject(with: try await c.get("/api/v1/lessons?per_page=1&page=2").body) as? [String: Any]
        #expect(list?["total"] as? Int == 2 && list?["perPage"] as? Int == 1 && (list?["items"] as? [Any])?.count == 1)
        await portal.stop()
    }
}

func sha256Hex(_ s: String) -> String { SHA256.hexDigest(of: Array(s.utf8)) }
