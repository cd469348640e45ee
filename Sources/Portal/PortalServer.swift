import Foundation
public import Catalog
internal import Hummingbird
internal import Logging
internal import NIOCore
internal import MediaCore
internal import Reports
internal import ServiceLifecycle

/// How `lessonlens serve` runs.
public struct PortalConfiguration: Sendable {
    /// The SQLite catalog opened at start when `catalog` is nil; else `catalog`'s description (messages).
    public var catalogPath: String
    /// The catalog the command opened (a SQLite `CatalogStore` or the PostgreSQL catalog, issue 12); the
    /// portal does not close it (the command does, after `RunningPortal.wait()`). Nil: `catalogPath`.
    public var catalog: (any PortalCatalog)?
    /// The output folder `analyze`/`watch` wrote the report folders into; nothing outside it is served.
    public var outputFolder: String
    public var host: String
    /// 0 picks a free port (tests); `RunningPortal.port` tells which.
    public var port: Int
    /// Mark the session cookie `Secure` (behind TLS); also set when a proxy says `X-Forwarded-Proto: https`.
    public var secureCookies: Bool
    public var sessionSeconds: Double
    /// One line per request (`METHOD PATH STATUS BYTES`), e.g. to stdout; nil for none.
    public var accessLog: (@Sendable (String) -> Void)?
    /// The identity provider, when configured (`Identity*.swift`).
    public var signIn: (any SignInMethod)?
    /// The administrators' timetable pages (`/admin/timetable`), when given (`lessonlens serve` does).
    public var timetable: (any TimetableAdministration)?

    public init(catalogPath: String, outputFolder: String, host: String = "127.0.0.1", port: Int = 8080,
                secureCookies: Bool = false, sessionSeconds: Double = 8 * 3600,
                accessLog: (@Sendable (String) -> Void)? = nil, signIn: (any SignInMethod)? = nil) {
        self.catalogPath = catalogPath
        self.outputFolder = outputFolder
        self.host = host
        self.port = port
        self.secureCookies = secureCookies
        self.sessionSeconds = sessionSeconds
        self.accessLog = accessLog
        self.signIn = signIn
    }

    /// A portal on a catalog the command has opened (`lessonlens serve --catalog FILE|postgres://…`).
    public init(catalog: any PortalCatalog, outputFolder: String, host: String = "127.0.0.1", port: Int = 8080,
                secureCookies: Bool = false, sessionSeconds: Double = 8 * 3600,
                accessLog: (@Sendable (String) -> Void)? = nil, signIn: (any SignInMethod)? = nil) {
        self.init(catalogPath: catalog.catalogDescription, outputFolder: outputFolder, host: host, port: port,
                  secureCookies: secureCookies, sessionSeconds: sessionSeconds, accessLog: accessLog, signIn: signIn)
        self.catalog = catalog
    }

    /// `HOST:PORT` (`[::1]:8080` for IPv6).
    public static func parseListen(_ s: String) throws -> (host: String, port: Int) {
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port) else {
            throw PortalError.badListen(s)
        }
        var host = String(s[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw PortalError.badListen(s) }
        return (host, port)
    }
}

/// A portal started with `PortalServer.start`: its port, and `stop()`.
public final class RunningPortal: Sendable {
    public let port: Int
    let task: Task<Void, any Error>
    let group: ServiceGroup

    init(port: Int, task: Task<Void, any Error>, group: ServiceGroup) {
        self.port = port
        self.task = task
        self.group = group
    }

    /// Stops accepting, lets running requests finish, and waits until the server has shut down.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Waits until the server stops (SIGTERM/SIGINT through `lessonlens serve`, or `stop()`).
    public func wait() async throws { try await task.value }
}

/// The teacher portal (issue 11): `lessonlens serve`.
public enum PortalServer {
    /// Opens the catalog, checks that accounts exist, binds and serves in the background.
    /// - Throws: `PortalError.noAccounts` (exit 78) on a catalog without accounts, `.noOutputFolder`,
    ///   `CatalogError`, or the bind error.
    public static func start(_ config: PortalConfiguration) async throws -> RunningPortal {
        let state = try await PortalState(config)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "lessonlens.portal")
        logger.logLevel = .warning
        let app = Application(
            router: PortalRoutes.router(state),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? config.port) },
            logger: logger)
        // A service group of our own: `stop()` shuts it down gracefully (cancelling the task would log
        // the server's CancellationError as an error).
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        for await port in ports { return RunningPortal(port: port, task: task, group: group) }
        try await task.value
        throw PortalError.badListen("\(config.host):\(config.port)")
    }
}

/// What every request handler shares: the catalog (either backend: one pool per SQLite file, or the
/// PostgreSQL catalog's connections), the resolved output folder, the sign-in limiter.
final class PortalState: Sendable {
    let config: PortalConfiguration
    let catalog: any PortalCatalog
    let outputRoot: String
    let limiter = LoginLimiter()
    /// The list's filter choices per scope, for 30 s (`FacetCache`).
    let facets = FacetCache()
    let fileIO = FileIO()

    init(_ config: PortalConfiguration) async throws {
        guard let root = ReportFiles.realPath(config.outputFolder), ReportFiles.isDirectory(root) else {
            throw PortalError.noOutputFolder(config.outputFolder)
        }
        self.config = config
        self.outputRoot = root
        let catalog: any PortalCatalog = try config.catalog ?? CatalogStore(path: config.catalogPath, create: false)
        self.catalog = catalog
        guard try await catalog.userCount() > 0 else { throw PortalError.noAccounts(catalog: catalog.catalogDescription) }
    }

    /// The lesson with this job id if `user` may see it; otherwise the same 404 as a missing id.
    func lesson(_ id: Int64?, for user: UserRow) async throws -> LessonRow {
        guard let id, let row = try await catalog.lessons(teacherID: nil, school: nil, jobID: id).first, Access.allows(user, row) else {
            throw PageError.notFound
        }
        return row
    }

    func reportFolder(_ lesson: LessonRow) -> String? {
        ReportFiles.reportFolder(lesson.summary.reportDir, outputRoot: outputRoot)
    }
}
