public import Foundation

/// A reader for the safetensors format (Hugging Face): 8 bytes of little-endian header length, a JSON
/// header mapping each tensor name to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to
/// the end of the header), then the raw little-endian tensors. Only `F32` tensors are read (all the
/// voice-activity model has).
///
/// Hostile or damaged files are errors, never traps: the header length, every offset, shape product
/// and byte count are checked against the file before anything is read, and non-finite values are
/// rejected.
public struct SafeTensors: Sendable {
    public struct Tensor: Sendable {
        public var shape: [Int]
        public var values: [Float]
    }

    /// Why a weights file could not be read.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case truncated(String)
        case badHeader(String)
        case missingTensor(String)
        case wrongShape(name: String, expected: [Int], found: [Int])
        case unsupportedType(name: String, dtype: String)
        case nonFinite(String)

        public var description: String {
            switch self {
            case .truncated(let why): return "truncated safetensors file (\(why))"
            case .badHeader(let why): return "bad safetensors header (\(why))"
            case .missingTensor(let name): return "tensor '\(name)' is missing"
            case let .wrongShape(name, expected, found): return "tensor '\(name)' has shape \(found), expected \(expected)"
            case let .unsupportedType(name, dtype): return "tensor '\(name)' is \(dtype), only F32 is supported"
            case .nonFinite(let name): return "tensor '\(name)' holds NaN or infinite values"
            }
        }
    }

    public private(set) var tensors: [String: Tensor] = [:]

    /// Largest header accepted (bytes): real headers are a few kB; this bounds what a hostile file
    /// can make the JSON parser chew on.
    static let maxHeaderBytes = 1 << 20

    public init(data: Data) throws {
        guard data.count >= 8 else { throw Failure.truncated("\(data.count) bytes, no header length") }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(data[data.startIndex + i]) << (8 * UInt64(i)) }
        guard length > 0, length <= UInt64(Self.maxHeaderBytes) else { throw Failure.badHeader("header length \(length)") }
        let headerEnd = 8 + Int(length)
        guard data.count >= headerEnd else { throw Failure.truncated("header of \(length) bytes, file of \(data.count)") }
        let json = data.subdata(in: data.startIndex + 8 ..< data.startIndex + headerEnd)
        guard let header = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw Failure.badHeader("not a JSON object")
        }
        let payload = data.count - headerEnd
        for (name, entry) in header where name != "__metadata__" {
            guard let e = entry as? [String: Any], let dtype = e["dtype"] as? String,
                  let shape = e["shape"] as? [Int], let offsets = e["data_offsets"] as? [Int], offsets.count == 2 else {
                throw Failure.badHeader("entry '\(name)'")
            }
            guard dtype == "F32" else { throw Failure.unsupportedType(name: name, dtype: dtype) }
            guard shape.allSatisfy({ $0 >= 0 && $0 <= 1 << 24 }) else { throw Failure.badHeader("shape of '\(name)'") }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            let begin = offsets[0], end = offsets[1]
            guard !overflow, count <= 1 << 26, begin >= 0, end >= begin, end <= payload, end - begin == count * 4 else {
                throw Failure.truncated("tensor '\(name)': bytes \(begin)..<\(end) of \(payload), \(count) values")
            }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { dst in
                data.copyBytes(to: dst.bindMemory(to: UInt8.self),
                               from: data.startIndex + headerEnd + begin ..< data.startIndex + headerEnd + end)
            }
            // The format is little-endian; so is every platform Swift runs on here.
            guard values.allSatisfy(\.isFinite) else { throw Failure.nonFinite(name) }
            tensors[name] = Tensor(shape: shape, values: values)
        }
    }

    /// The tensor `name`, which must have exactly `shape`.
    public func tensor(_ name: String, shape: [Int]) throws -> [Float] {
        guard let t = tensors[name] else { throw Failure.missingTensor(name) }
        guard t.shape == shape else { throw Failure.wrongShape(name: name, expected: shape, found: t.shape) }
        return t.values
    }
}
