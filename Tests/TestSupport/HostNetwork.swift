import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// "Hosts" on a private network inside the sandbox, for the multi-host queue tests (issue 12): a bridge
/// `llb<id>` in the root network namespace with `10.213.X.1/24` (X random, one not in use), and per host a
/// network namespace `llh-<id>-<label>` with its loopback up, joined to the bridge by a veth pair
/// (`llr<id><n>` on the root side, `lln<id><n>` inside, address `10.213.X.(n+2)`). Programs run on a host
/// by `ip netns exec` and `unshare --uts` (their own host name `llh-<id>-<label>`; same pid and file
/// systems as the test). `cut` takes a host off the network (its root-side veth down: its packets are
/// dropped and it loses carrier, as when a cable or a switch port goes); `restore` puts it back.
/// `remove()` (in a `defer`) deletes the namespaces, veths and the bridge whatever state they are in.
/// Needs root and iproute2: missing either is an error naming it (`Unavailable`), never a skip.
public final class HostNetwork: @unchecked Sendable {
    public struct Host: Sendable {
        /// The network namespace (`ip netns` name), also the host name its programs see.
        public let namespace: String
        public let label: String
        /// This host's address on the private network.
        public let address: String
        /// The root-side end of its veth pair (the "switch port").
        public let rootLink: String
        /// The end inside its namespace.
        public let link: String
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// `/usr/sbin/ip` or wherever iproute2's `ip` is; nil when iproute2 is not installed.
    public static let ip: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static let unshare = "/usr/bin/unshare"
    static let hostname = "/bin/hostname"

    public let id: String
    /// `10.213.X`: the network's first three octets.
    public let prefix: String
    /// The root namespace's address on the network (where a server for the hosts listens).
    public var gateway: String { prefix + ".1" }
    /// The network, `10.213.X.0/24` (for pg_hba).
    public var network: String { prefix + ".0/24" }
    public let bridge: String
    public private(set) var hosts: [Host] = []

    /// Makes the bridge and one namespace per label (at most 9). Throws `Unavailable` naming what is
    /// missing (root, iproute2, util-linux's unshare, network namespaces); what was made is removed again.
    public init(hosts labels: [String]) throws {
        guard getuid() == 0 else {
            throw Unavailable("network namespaces need root (ip netns add, veth pairs): run as root, as CI does")
        }
        guard let ip = Self.ip else {
            throw Unavailable("iproute2 is not installed (no /usr/sbin/ip): `make deps` installs iproute2")
        }
        for tool in [Self.unshare, Self.hostname] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw Unavailable("\(tool) is missing (util-linux and hostname, essential Debian packages)")
        }
        precondition(!labels.isEmpty && labels.count <= 9)
        id = String(format: "%06x", UInt32.random(in: 0...0xFF_FFFF))
        bridge = "llb\(id)"
        let inUse = (try? Tool.run(ip, ["-4", "-o", "addr", "show"]).stdout) ?? ""
        let free = (16...250).filter { !inUse.contains("10.213.\($0).") }
        guard let x = free.randomElement() else { throw Unavailable("no free 10.213.X.0/24 network on this machine") }
        prefix = "10.213.\(x)"
        do {
            try Self.ip(["link", "add", bridge, "type", "bridge"])
            try Self.ip(["addr", "add", gateway + "/24", "dev", bridge])
            try Self.ip(["link", "set", bridge, "up"])
            for (n, label) in labels.enumerated() {
                let host = Host(namespace: "llh-\(id)-\(label)", label: label, address: "\(prefix).\(n + 2)",
                                rootLink: "llr\(id)\(n)", link: "lln\(id)\(n)")
                try Self.ip(["netns", "add", host.namespace])
                hosts.append(host)
                try Self.ip(["link", "add", host.rootLink, "type", "veth", "peer", "name", host.link])
                try Self.ip(["link", "set", host.link, "netns", host.namespace])
                try Self.ip(["link", "set", host.rootLink, "master", bridge])
                try Self.ip(["link", "set", host.rootLink, "up"])
                try Self.ip(["-n", host.namespace, "addr", "add", host.address + "/24", "dev", host.link])
                try Self.ip(["-n", host.namespace, "link", "set", host.link, "up"])
                try Self.ip(["-n", host.namespace, "link", "set", "lo", "up"])
            }
        } catch {
            remove()
            throw error
        }
    }

    /// The host labelled `label`.
    public func host(_ label: String) -> Host { hosts.first { $0.label == label }! }

    /// Takes `host` off the network: its root-side veth goes down (packets to and from it are dropped).
    public func cut(_ host: Host) throws { try Self.ip(["link", "set", host.rootLink, "down"]) }

    /// Puts `host` back on the network.
    public func restore(_ host: Host) throws { try Self.ip(["link", "set", host.rootLink, "up"]) }

    /// Executable and arguments that run `program ARGS…` on `host`: in its network namespace, with its own
    /// host name (`ip netns exec NS unshare --uts sh -c 'hostname NS && exec "$0" "$@"' PROGRAM ARGS…`; each
    /// step execs the next, so the process's pid is the program's).
    public func command(on host: Host, _ program: String, _ arguments: [String]) -> (executable: String, arguments: [String]) {
        (Self.ip ?? "/usr/sbin/ip",
         ["netns", "exec", host.namespace, Self.unshare, "--uts", "/bin/sh", "-c",
          "\(Self.hostname) \(host.namespace) && exec \"$0\" \"$@\"", program] + arguments)
    }

    /// Whether a TCP connection from `host` to `address:port` opens within `seconds` (a probe of the cut).
    public func canConnect(from host: Host, to address: String, port: Int, seconds: Int = 2) -> Bool {
        let c = command(on: host, "/usr/bin/timeout", ["\(seconds)", "/bin/bash", "-c", "exec 3<>/dev/tcp/\(address)/\(port)"])
        return (try? Tool.run(c.executable, c.arguments).status) == 0
    }

    /// Deletes the namespaces (their veth ends go with them), the root-side veths and the bridge. Errors are
    /// ignored: whatever is left of a half-made network goes. Processes still running in a namespace keep it
    /// (and its veth) alive: kill them first.
    public func remove() {
        for host in hosts {
            _ = try? Self.ipStatus(["netns", "del", host.namespace])
            _ = try? Self.ipStatus(["link", "del", host.rootLink])
        }
        _ = try? Self.ipStatus(["link", "del", bridge])
        hosts = []
    }

    /// Namespaces of this helper (`llh-…`) in `ip netns list` now: for a check that `remove()` left none.
    public static func leftovers(of id: String) -> [String] {
        guard let ip else { return [] }
        let list = (try? Tool.run(ip, ["netns", "list"]).stdout) ?? ""
        return list.split(separator: "\n").map { String($0.split(separator: " ")[0]) }.filter { $0.hasPrefix("llh-\(id)-") }
    }

    static func ip(_ arguments: [String]) throws {
        let r = try Tool.run(ip ?? "/usr/sbin/ip", arguments)
        guard r.status == 0 else {
            throw Unavailable("`ip \(arguments.joined(separator: " "))` failed (\(r.status)): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)) "
                              + "(network namespaces and veth pairs need root with CAP_NET_ADMIN and CAP_SYS_ADMIN)")
        }
    }

    static func ipStatus(_ arguments: [String]) throws -> Int32 { try Tool.run(ip ?? "/usr/sbin/ip", arguments).status }
}
