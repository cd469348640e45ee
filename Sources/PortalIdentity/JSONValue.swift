import Foundation

/// A JSON value as a token's header and payload and the config file carry it: claims are looked up by a
/// name that comes from the config (`teacherIDClaim`), so the payload is not a fixed Codable struct.
enum JSONValue: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Tokens and config files nest two or three levels; a deeper document is refused before decoding, so
    /// an unauthenticated header of 8 KiB of `[` cannot recurse the decoder into the stack's end.
    static let maxDepth = 32

    /// Decodes `data` as one JSON object; nil for anything else (an array, a number, broken JSON, nesting
    /// deeper than `maxDepth`).
    static func object(from data: Data) -> [String: JSONValue]? {
        guard nestingDepth(data) <= maxDepth,
              case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: data) else { return nil }
        return fields
    }

    /// The deepest nesting of `[` and `{` outside string literals (brackets inside strings do not count).
    static func nestingDepth(_ data: Data) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for byte in data {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// A short name of the JSON type for error messages ("expected a string, found a number").
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
