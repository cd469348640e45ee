/// A value of a closed vocabulary as it is read from a `report.json`: one of the `Known` cases, or a
/// spelling this version does not know (written by a newer or older lessonlens, or by hand).
///
/// Producers only write `.known`; readers switch over `.known` exhaustively and show `.other` as given,
/// so a report from another version renders instead of failing to decode. Encodes as the bare string
/// (`"lecture"`), exactly as a `String`-backed `Codable` enum would. Equality and hashing are by the
/// spelling, so `.other("lecture")` (built by hand) equals `.known(.lecture)`.
public enum OpenEnum<Known>: Sendable, Hashable, CustomStringConvertible
where Known: RawRepresentable & Sendable & Hashable, Known.RawValue == String {
    case known(Known)
    case other(String)

    /// `.known` when `rawValue` is a known spelling, else `.other(rawValue)`.
    public init(rawValue: String) {
        if let k = Known(rawValue: rawValue) { self = .known(k) } else { self = .other(rawValue) }
    }

    /// The spelling in report.json.
    public var rawValue: String {
        switch self {
        case .known(let k): k.rawValue
        case .other(let s): s
        }
    }

    /// The known case, nil for a spelling this version does not know.
    public var known: Known? {
        if case .known(let k) = self { return k }
        return nil
    }

    public var description: String { rawValue }

    public static func == (a: Self, b: Self) -> Bool { a.rawValue == b.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

extension OpenEnum: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
