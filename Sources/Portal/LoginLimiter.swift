import Foundation

/// Failed sign-ins per peer address and account name: `limit` failures within `windowSeconds` and that
/// pair is refused (429) until the oldest failure leaves the window. Memory stays bounded: when more than
/// `maxKeys` pairs are tracked, stale ones are dropped.
actor LoginLimiter {
    let limit: Int
    let windowSeconds: Double
    let maxKeys = 10_000
    private var failures: [String: [Date]] = [:]

    init(limit: Int = 5, windowSeconds: Double = 60) {
        self.limit = limit
        self.windowSeconds = windowSeconds
    }

    static func key(ip: String, user: String) -> String { ip + "\u{1F}" + user.lowercased() }

    func isBlocked(_ key: String, now: Date = Date()) -> Bool {
        let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < windowSeconds }
        failures[key] = recent.isEmpty ? nil : recent
        return recent.count >= limit
    }

    func recordFailure(_ key: String, now: Date = Date()) {
        if failures.count > maxKeys {
            failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < windowSeconds } }
        }
        failures[key, default: []].append(now)
    }

    func reset(_ key: String) { failures[key] = nil }
}
