import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 answer.
struct HTTPReply: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    func headers(_ name: String) -> [String] { headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1) }
}

/// A tiny HTTP client over a plain socket: the exact request path is sent as written (URLSession would
/// normalise `..`), one connection per request, a cookie jar. Each request blocks a thread of its own,
/// never a thread of Swift's cooperative pool (the server's handlers run there).
final class HTTPTestClient: @unchecked Sendable {
    let port: Int
    private let lock = NSLock()
    private var jar: [String: String] = [:]

    init(port: Int) { self.port = port }

    var cookies: [String: String] { lock.withLock { jar } }
    func setCookie(_ name: String, _ value: String?) { lock.withLock { jar[name] = value } }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> HTTPReply {
        try await send("GET", path, headers: headers)
    }

    func post(_ path: String, form: [String: String], headers: [String: String] = [:]) async throws -> HTTPReply {
        let body = form.map { "\(enc($0.key))=\(enc($0.value))" }.joined(separator: "&")
        var h = headers
        h["Content-Type"] = "application/x-www-form-urlencoded"
        return try await send("POST", path, headers: h, body: Data(body.utf8))
    }

    func enc(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    func send(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil) async throws -> HTTPReply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        let jarNow = cookies
        if !jarNow.isEmpty, headers["Cookie"] == nil {
            head += "Cookie: " + jarNow.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") + "\r\n"
        }
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body, headers["Content-Length"] == nil, headers["Transfer-Encoding"] == nil { head += "Content-Length: \(body.count)\r\n" }
        var request = Data((head + "\r\n").utf8)
        if let body { request.append(body) }
        let port = self.port
        let bytes = request
        let raw: Data = try await withCheckedThrowingContinuation { cont in
            let t = Thread { cont.resume(with: Result { try Self.exchange(port: port, bytes) }) }
            t.start()
        }
        let reply = try Self.parse(raw)
        for c in reply.headers("Set-Cookie") {
            let first = c.split(separator: ";")[0]
            let kv = first.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(kv[0]).trimmingCharacters(in: .whitespaces)
            let value = kv.count > 1 ? String(kv[1]) : ""
            setCookie(name, c.contains("Max-Age=0") || value.isEmpty ? nil : value)
        }
        return reply
    }

    struct ClientError: Error, CustomStringConvertible { var description: String }

    static func exchange(port: Int, _ request: Data) throws -> Data {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw ClientError(description: "connect: errno \(errno)") }
        try request.withUnsafeBytes { (p: UnsafeRawBufferPointer) in
            var off = 0
            while off < p.count {
                let n = Glibc.send(fd, p.baseAddress! + off, p.count - off, Int32(MSG_NOSIGNAL))
                if n <= 0 { if errno == EPIPE || errno == ECONNRESET { return }; throw ClientError(description: "send: errno \(errno)") }
                off += n
            }
        }
        var out = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n == 0 { break }
            if n < 0 { if errno == ECONNRESET && !out.isEmpty { break }; throw ClientError(description: "recv: errno \(errno)") }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    static func parse(_ raw: Data) throws -> HTTPReply {
        guard let sep = raw.range(of: Data("\r\n\r\n".utf8)) else { throw ClientError(description: "no header end in \(raw.count) bytes") }
        let head = String(decoding: raw[..<sep.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw ClientError(description: "bad status line \(head[0])") }
        var headers: [(String, String)] = []
        for line in head.dropFirst() {
            guard let c = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<c]), line[line.index(after: c)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Data(raw[sep.upperBound...])
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }) {
            body = dechunk(body)
        }
        return HTTPReply(status: status, headers: headers, body: body)
    }

    static func dechunk(_ d: Data) -> Data {
        var out = Data()
        var i = d.startIndex
        while i < d.endIndex, let lineEnd = d[i...].range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: d[i..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText, radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            out.append(d[start..<min(d.endIndex, start + size)])
            i = min(d.endIndex, start + size + 2)
        }
        return out
    }
}
