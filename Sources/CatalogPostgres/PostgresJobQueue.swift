public import Catalog
import Foundation
internal import Logging
internal import PostgresNIO

/// The PostgreSQL catalog and job queue that many worker hosts share (`--catalog postgres://…`, issue 12).
///
/// Same schema, migration names and constraints as the SQLite catalog (`PostgresMigrations`). Times are
/// the server's clock (seconds since 1970, `clock_timestamp()`), so hosts with skewed clocks agree on
/// leases. Claims are `SELECT … FOR UPDATE SKIP LOCKED` inside the `UPDATE` that takes the job (one
/// transaction), so concurrent workers never wait on each other's rows. Every call has a deadline
/// (`callTimeoutSeconds`) and is retried on a fresh connection when the connection broke (server
/// restart, `pg_terminate_backend`): a dead pooled connection never hangs a worker.
public final class PostgresJobQueue: JobQueue, @unchecked Sendable {
    // @unchecked: every stored property is immutable; `runner` is only cancelled in `close`.
    public let location: String
    public let maxAttempts: Int
    /// First retry delay of a transient failure or an expired lease, doubled per attempt, capped at 1 h.
    public let retryBaseSeconds: Double
    /// Longest one catalog call may take (each try) before its connection is given up.
    public let callTimeoutSeconds: Double
    let client: PostgresClient
    let runner: Task<Void, Never>
    let logger: Logger

    /// Connects (lazily: the pool opens connections as calls need them) and applies the migrations.
    /// - Parameter url: `postgres://user[:password]@host[:port]/database` or `postgresql://…`; a `host`
    ///   query item (`?host=/run/postgresql`) names a unix-socket folder.
    public convenience init(url: String, maxAttempts: Int = 4, retryBaseSeconds: Double = 30, callTimeoutSeconds: Double = 15,
                            maxConnections: Int = 4) async throws {
        try await self.init(url: url, maxAttempts: maxAttempts, retryBaseSeconds: retryBaseSeconds,
                            callTimeoutSeconds: callTimeoutSeconds, maxConnections: maxConnections,
                            migrations: PostgresMigrations.all)
    }

    /// Connects and applies `migrations` (tests: a database as an older release left it).
    init(url: String, maxAttempts: Int, retryBaseSeconds: Double, callTimeoutSeconds: Double, maxConnections: Int,
         migrations: [(name: String, sql: [String])]) async throws {
        let parsed = try PostgresURL(url)
        location = parsed.display
        self.maxAttempts = max(1, maxAttempts)
        self.retryBaseSeconds = retryBaseSeconds
        self.callTimeoutSeconds = callTimeoutSeconds
        var config: PostgresClient.Configuration
        if let socket = parsed.socketFolder {
            config = .init(unixSocketPath: socket + "/.s.PGSQL.\(parsed.port)", username: parsed.user,
                           password: parsed.password, database: parsed.database)
        } else {
            config = .init(host: parsed.host, port: parsed.port, username: parsed.user, password: parsed.password,
                           database: parsed.database, tls: .disable)
        }
        config.options.maximumConnections = max(1, maxConnections)
        config.options.connectTimeout = .seconds(5)
        // A quick ping of idle connections: one the server closed is found and replaced before a call takes it.
        config.options.keepAliveBehavior = .init(frequency: .seconds(5))
        config.options.connectionIdleTimeout = .seconds(30)
        var logger = Logger(label: "lessonlens.postgres")
        logger.logLevel = .critical
        self.logger = logger
        let client = PostgresClient(configuration: config, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
        do {
            try await PostgresMigrations.migrate(self, migrations)
        } catch {
            runner.cancel()
            throw error
        }
    }

    deinit { runner.cancel() }

    public func close() async {
        runner.cancel()
    }

    // MARK: - Calls with deadlines and reconnects

    /// Runs `body` on a pooled connection with a deadline; a broken connection or a timeout is retried on
    /// another connection until `attempts` tries or the overall deadline are used up. `body` must be
    /// safe to repeat (each is one transaction, or idempotent).
    /// `timeoutSeconds` replaces `callTimeoutSeconds` for a call known to take longer (a timetable import).
    func call<T: Sendable>(_ operation: String, attempts: Int = 4, timeoutSeconds: Double? = nil,
                           _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        var lastError: (any Error)?
        for attempt in 0..<attempts {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(200 * attempt)) }
            do {
                return try await withDeadline(seconds: timeoutSeconds ?? callTimeoutSeconds) { [client] in
                    try await client.withConnection { connection in try await body(connection) }
                }
            } catch let e as CatalogError {
                throw e
            } catch is CancellationError where Task.isCancelled {
                throw CancellationError()
            } catch let e as PSQLError where Self.isServerRefusal(e) {
                throw CatalogError.database(path: location, operation: operation, reason: Self.reason(e))
            } catch {
                lastError = error
            }
        }
        throw CatalogError.database(path: location, operation: operation, reason: lastError.map(Self.reason) ?? "unknown")
    }

    /// A server answer about the statement itself (a constraint, a syntax error): repeating cannot help.
    /// Connection losses, shutdowns (57P01, 57P02, 57P03) and timeouts are repeated.
    static func isServerRefusal(_ e: PSQLError) -> Bool {
        guard e.code == .server, let state = e.serverInfo?[.sqlState] else { return false }
        return !state.hasPrefix("57") && !state.hasPrefix("08") && !state.hasPrefix("53")
    }

    static func reason(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let info = e.serverInfo, let message = info[.message] {
                return "\(message) (SQLSTATE \(info[.sqlState] ?? "?"))"
            }
            return "\(e.code)"
        }
        if error is DeadlineExceeded { return "no answer within the call deadline" }
        return "\(error)"
    }

    /// Runs `body` within `transaction`; the server rolls back whatever a failure leaves.
    static func transaction<T: Sendable>(_ connection: PostgresConnection, logger: Logger,
                                         _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await connection.query("BEGIN", logger: logger)
        do {
            let value = try await body(connection)
            try await connection.query("COMMIT", logger: logger)
            return value
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}

/// Thrown by `withDeadline` when the body did not finish in time.
struct DeadlineExceeded: Error {}

/// Runs `body`, giving up after `seconds`: the caller gets `DeadlineExceeded` at once and `body` is
/// cancelled and left to end on its own. (A task group would wait for it, and a connection lease that
/// ignores cancellation, on a pool reconnecting after a server restart, then hung the worker.)
func withDeadline<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let once = ResumeOnce<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            once.set(continuation)
            let work = Task {
                do { once.resume(.success(try await body())) } catch { once.resume(.failure(error)) }
            }
            once.setWork(work)
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                work.cancel()
                once.resume(.failure(DeadlineExceeded()))
            }
        }
    } onCancel: {
        once.cancel()
    }
}

/// Resumes a continuation once, from whichever of the work, the timer or a cancellation comes first.
final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var pending: Result<T, any Error>?
    private var work: Task<Void, Never>?

    func set(_ c: CheckedContinuation<T, any Error>) {
        lock.lock()
        if let pending { lock.unlock(); c.resume(with: pending); return }
        continuation = c
        lock.unlock()
    }

    func setWork(_ w: Task<Void, Never>) { lock.lock(); work = w; lock.unlock() }

    func resume(_ r: Result<T, any Error>) {
        lock.lock()
        guard let c = continuation else {
            if pending == nil { pending = r }
            lock.unlock()
            return
        }
        continuation = nil
        pending = r
        lock.unlock()
        c.resume(with: r)
    }

    func cancel() {
        lock.lock(); let w = work; lock.unlock()
        w?.cancel()
        resume(.failure(CancellationError()))
    }
}

/// `postgres://user[:password]@host[:port]/database[?host=/socket/folder]`.
struct PostgresURL {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String
    var socketFolder: String?

    init(_ text: String) throws {
        guard let c = URLComponents(string: text), let scheme = c.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw CatalogError.database(path: text, operation: "open", reason: "not a postgres://user@host:port/database URL")
        }
        user = c.user ?? "postgres"
        password = c.password
        host = c.host ?? "127.0.0.1"
        port = c.port ?? 5432
        let db = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        database = db.isEmpty ? user : db
        socketFolder = c.queryItems?.first(where: { $0.name == "host" })?.value
    }

    /// The URL without its password, for messages and logs.
    var display: String { "postgres://\(user)@\(socketFolder ?? host):\(port)/\(database)" }

    /// Whether `text` names a PostgreSQL catalog rather than a SQLite file.
    static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }
}

extension PostgresJobQueue {
    /// Whether `--catalog` names a PostgreSQL catalog (`postgres://…`) rather than a SQLite file.
    public static func isPostgresURL(_ text: String) -> Bool { PostgresURL.isPostgres(text) }
}
