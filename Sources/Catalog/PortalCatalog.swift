public import Foundation

/// What the portal, the timetable import and the attribution read and write, on either backend
/// (issues 11 and 12): the SQLite `CatalogStore` (embedded, the default) and the PostgreSQL catalog
/// (`CatalogPostgres.PostgresJobQueue`, shared by many hosts). Both apply the same named migrations
/// (v4-attribution-accounts holds these tables) and must return the same rows for the same data; the
/// parity tests seed both and compare.
///
/// The requirements are `async` so a networked backend can implement them; `CatalogStore`'s synchronous
/// methods satisfy them as they are. Memory: every list the portal shows is paged (`lessonsPage`) or
/// grouped in SQL (`lessonGroups`); the timetable and teacher lists are bounded by the timetable's size.
public protocol PortalCatalog: Sendable {
    /// The file path or the PostgreSQL URL without its password (for messages).
    var catalogDescription: String { get }

    // MARK: accounts, sessions, audit

    /// Adds an account; an existing name is updated (role, hash, teacher id, school) instead.
    @discardableResult
    func addUser(name: String, role: UserRole, passwordHash: String?, teacherID: String?, school: String?,
                 now: Date) async throws -> UserRow
    func userCount() async throws -> Int
    func user(named name: String) async throws -> UserRow?
    /// The account whose teacher id is `teacherID` (the lowest id if several).
    func user(teacherID: String) async throws -> UserRow?
    /// Every account, by name.
    func users() async throws -> [UserRow]
    /// Stores a session for `userID` under the SHA-256 of its token; deletes expired sessions.
    func createSession(tokenHash: String, userID: Int64, csrf: String, expiresAt: Date, now: Date) async throws
    /// The live (unexpired at `now`) session with this token hash, with its account.
    func session(tokenHash: String, now: Date) async throws -> SessionRow?
    func deleteSession(tokenHash: String) async throws
    /// Appends to the audit log.
    func audit(user: String, action: String, detail: String, ip: String, now: Date) async throws
    /// The newest `limit` audit entries, newest first.
    func auditLog(limit: Int) async throws -> [AuditEntry]

    // MARK: lessons (results joined with their job's attribution and teacher)

    /// Lessons narrowed by teacher id, school (attribution's, else the plan's) and job id, newest first.
    func lessons(teacherID: String?, school: String?, jobID: Int64?) async throws -> [LessonRow]
    /// One page of the query's lessons in its order, and how many lessons it matches.
    func lessonsPage(_ q: LessonQuery, limit: Int, offset: Int) async throws -> (rows: [LessonRow], total: Int)
    /// Distinct subjects (≤ 200) and classes (≤ 500) in the query's teacher/school scope, sorted.
    func lessonFacets(_ q: LessonQuery) async throws -> (subjects: [String], classes: [String])
    /// Statistics per `groupBy` (`subject` or `class`), sorted by key; `?` for a missing key.
    func lessonGroups(_ q: LessonQuery, groupBy: String) async throws -> [LessonGroupStats]

    // MARK: timetable and attribution

    /// Replaces every slot of each term in one transaction; teachers named in the rows are created or renamed.
    func replaceTerms(_ terms: [(term: String, slots: [TimetableSlot])], now: Date) async throws
    /// Every slot (all terms), newest term import first, then by slot id.
    func timetableSlots() async throws -> [TimetableSlot]
    /// Teacher ids, names and schools known from the timetable, by id.
    func teachers() async throws -> [(id: String, name: String, school: String)]
    /// Stores who taught job `jobID`'s lesson; `CatalogError.noSuchJob` if there is no such job.
    func setAttribution(jobID: Int64, _ a: Attribution) async throws
    /// The attribution stored on job `jobID` (nil before any); `CatalogError.noSuchJob` if no such job.
    func attribution(jobID: Int64) async throws -> Attribution?
    /// Done lessons no slot matched (or never attributed), by id, after `afterID`, at most `limit`;
    /// `school` non-nil: only that school's.
    func unmatchedLessons(school: String?, afterID: Int64, limit: Int) async throws -> [UnmatchedLesson]
    /// Done jobs with the path each was analysed from and its report folder, by id, after `afterID`, at most
    /// `limit` (re-attribution walks them page by page: memory is one page, whatever the catalog's size).
    func doneJobs(afterID: Int64, limit: Int) async throws -> [(id: Int64, path: String, reportDir: String)]
    /// A stored setting, nil when unset.
    func setting(_ key: String) async throws -> String?
    func setSetting(_ key: String, _ value: String) async throws
}

extension PortalCatalog {
    /// Calls `body` with the query's lessons in pages of `pageSize` (CSV export, trends): memory is one page.
    public func forEachLesson(_ q: LessonQuery, pageSize: Int = 500,
                              _ body: ([LessonRow]) async throws -> Void) async throws {
        var offset = 0
        while true {
            let page = try await lessonsPage(q, limit: pageSize, offset: offset).rows
            if page.isEmpty { return }
            try await body(page)
            if page.count < pageSize { return }
            offset += page.count
        }
    }
}

extension PortalCatalog {
    /// Every unmatched lesson, read page by page (`timetable unmatched` prints them all).
    public func allUnmatchedLessons(pageSize: Int = 500) async throws -> [UnmatchedLesson] {
        var out: [UnmatchedLesson] = [], after: Int64 = 0
        while true {
            let page = try await unmatchedLessons(school: nil, afterID: after, limit: pageSize)
            out += page
            guard page.count == pageSize, let last = page.last else { return out }
            after = last.jobID
        }
    }

    /// Calls `body` with every done job, in pages of `pageSize` by id.
    public func forEachDoneJob(pageSize: Int = 500,
                               _ body: ((id: Int64, path: String, reportDir: String)) async throws -> Void) async throws {
        var after: Int64 = 0
        while true {
            let page = try await doneJobs(afterID: after, limit: pageSize)
            for job in page { try await body(job) }
            guard page.count == pageSize, let last = page.last else { return }
            after = last.id
        }
    }
}

extension CatalogStore: PortalCatalog {
    public var catalogDescription: String { path }
}
