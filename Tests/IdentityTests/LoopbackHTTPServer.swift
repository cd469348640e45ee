import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-request HTTP server on 127.0.0.1 (an ephemeral port) for the real `URLSessionTokenExchanger`: it
/// records the request it got and answers with a canned status and JSON body.
final class LoopbackHTTPServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let response: [UInt8]
    private let lock = NSLock()
    private var received = ""

    init(status: Int, body: String) throws {
        #if canImport(Glibc)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let listener = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard listener >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(listener, socketAddress, length) == 0 && listen(listener, 1) == 0
                    && getsockname(listener, socketAddress, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        response = Array(("HTTP/1.1 \(status) Answer\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body).utf8)
        Thread { [self] in serveOne() }.start()
    }

    /// The request as received (head and body); empty until it has been read, which is before the answer.
    var request: String {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    private func serveOne() {
        let client = accept(listener, nil, nil)
        defer {
            close(client)
            close(listener)
        }
        guard client >= 0 else { return }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !isComplete(data) {
            let count = read(client, &buffer, buffer.count)
            guard count > 0 else { break }
            data += buffer[0..<count]
        }
        lock.lock()
        received = String(decoding: data, as: UTF8.self)
        lock.unlock()
        _ = response.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
    }

    /// The head has ended and `Content-Length` bytes of body followed it.
    private func isComplete(_ data: [UInt8]) -> Bool {
        let text = String(decoding: data, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return text[end.upperBound...].utf8.count >= length
    }
}
