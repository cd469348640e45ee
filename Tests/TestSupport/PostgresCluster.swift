import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A throw-away PostgreSQL 15 cluster for the tests: `initdb` into a temporary folder (as the unprivileged
/// `nobody` when the tests run as root, which initdb refuses), `pg_ctl start` on a free loopback port with
/// its unix socket in that folder, one database per test (`createDatabase`), `stop()` at the end.
/// `alsoListenOn`/`trusting`: further addresses it listens on (same port) and networks pg_hba lets in
/// without a password (the multi-host tests' private network, `HostNetwork`); by default loopback only.
/// PostgreSQL missing is an error naming the package (`make deps` installs postgresql-15), never a skip.
public final class PostgresCluster: @unchecked Sendable {
    public static let bin = "/usr/lib/postgresql/15/bin"
    public let folder: String
    public let port: Int
    /// `127.0.0.1` and the `alsoListenOn` addresses.
    public let listenAddresses: [String]
    let user: String

    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "PostgreSQL 15 is not installed (\(PostgresCluster.bin)/initdb missing): `make deps` installs postgresql-15"
        }
    }

    /// Creates and starts a cluster: on loopback, and on `extraAddresses` (which must exist) with trust
    /// authentication for clients from `networks` (CIDR, e.g. `10.213.7.0/24`).
    public init(alsoListenOn extraAddresses: [String] = [], trusting networks: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.bin + "/initdb") else { throw Missing() }
        var template = Array("/tmp/lessonlens-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ToolError("mkdtemp failed") }
        folder = String(cString: made)
        user = getuid() == 0 ? "nobody" : (ProcessInfo.processInfo.environment["USER"] ?? "postgres")
        port = Self.freePort()
        listenAddresses = ["127.0.0.1"] + extraAddresses
        if getuid() == 0 {
            chmod(folder, 0o755)
            _ = try Tool.run("/bin/chown", ["-R", "nobody:nogroup", folder])
        }
        let initdb = try asUser(Self.bin + "/initdb", ["-D", folder + "/data", "-U", "lessonlens", "-A", "trust",
                                                        "--no-sync", "-E", "UTF8", "--locale=C"])
        guard initdb.status == 0 else { throw ToolError("initdb failed: \(initdb.stderr)") }
        if !networks.isEmpty {
            let hba = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/data/pg_hba.conf"))
            defer { try? hba.close() }
            try hba.seekToEnd()
            try hba.write(contentsOf: Data(networks.map { "host all all \($0) trust\n" }.joined().utf8))
        }
        try start()
    }

    /// `postgres://lessonlens@HOST:PORT/DATABASE` (HOST: 127.0.0.1, or one of the `alsoListenOn` addresses).
    public func url(database: String, host: String = "127.0.0.1") -> String { "postgres://lessonlens@\(host):\(port)/\(database)" }

    /// A new empty database (named from `label` and a counter) and its URL.
    public func createDatabase(_ label: String = "t") throws -> String {
        let name = "\(label)_\(UInt32.random(in: 0...UInt32.max))".lowercased().filter { $0.isLetter || $0.isNumber || $0 == "_" }
        try psql("CREATE DATABASE \(name)")
        return url(database: name)
    }

    /// Runs SQL through psql as the cluster's superuser on database `postgres` (or `database`).
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        let r = try Tool.run("/usr/bin/psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "lessonlens", "-d", database,
                                               "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
        guard r.status == 0 else { throw ToolError("psql '\(sql)' failed: \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `pg_ctl start` by `system(3)`, which waits for pg_ctl alone: Foundation's `Process` waits until
    /// the started server, which inherits its descriptors, goes away, so it would never return.
    public func start() throws {
        let command = "\(Self.bin)/pg_ctl -D \(folder)/data -l \(folder)/log -w -t 30 start -o '-p \(port) -k \(folder) "
            + "-c listen_addresses=\(listenAddresses.joined(separator: ",")) -c fsync=off -c max_connections=200' </dev/null >/dev/null 2>&1"
        let status = system(getuid() == 0 ? "cd \(folder) && /usr/sbin/runuser -u nobody -- \(command)" : command)
        guard status == 0 else {
            throw ToolError("pg_ctl start failed (\(status)): \((try? String(contentsOfFile: folder + "/log", encoding: .utf8)) ?? "")")
        }
    }

    /// `mode`: fast (disconnects clients) or immediate (like a crash).
    public func stop(mode: String = "fast") throws {
        let command = "\(Self.bin)/pg_ctl -D \(folder)/data -w -t 30 stop -m \(mode) </dev/null >/dev/null 2>&1"
        let status = system(getuid() == 0 ? "cd \(folder) && /usr/sbin/runuser -u nobody -- \(command)" : command)
        guard status == 0 else { throw ToolError("pg_ctl stop failed (\(status))") }
    }

    /// Stops the server and removes its folder.
    public func remove() {
        try? stop(mode: "immediate")
        if !TestEnvironment.keepTestFolders { try? FileManager.default.removeItem(atPath: folder) }
    }

    func asUser(_ program: String, _ arguments: [String]) throws -> ToolResult {
        if getuid() == 0 { return try Tool.run("/usr/sbin/runuser", ["-u", "nobody", "--", program] + arguments, cwd: folder) }
        return try Tool.run(program, arguments, cwd: folder)
    }

    /// Ports handed to clusters of this process: a stopped cluster keeps its port for its restart.
    private static let handedOut = Mutex<Set<Int>>([])

    /// A loopback TCP port nobody holds now and no other cluster of this process was given, chosen
    /// below the kernel's ephemeral range (`ip_local_port_range`, 32768–60999 by default). A port from
    /// that range (what binding port 0 returns) can be taken, while the cluster is stopped for a
    /// restart, as the local port of any client connection of the test run: the restart then fails
    /// with "Address already in use" (seen in CI).
    static func freePort() -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
            .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) } ?? []
        let ephemeralLow = range.first ?? 32768
        let hi = max(ephemeralLow - 1, 2048), lo = max(1024, hi - 12000)
        for _ in 0..<2000 {
            let p = Int.random(in: lo...hi)
            let taken = handedOut.withLock { set -> Bool in
                if set.contains(p) { return true }
                guard canBind(p) else { return true }
                set.insert(p)
                return false
            }
            if !taken { return p }
        }
        // Nothing free below the range (never seen): fall back to a port the kernel picks.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = loopback(0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    private static func loopback(_ port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return addr
    }

    /// Whether a listening socket could bind 127.0.0.1:`port` now.
    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = loopback(port)
        let len = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } } == 0
    }
}
