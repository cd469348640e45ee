import Foundation
import Yams

/// Bounds on the YAML (and JSON, which is YAML) that a user hands us: pipeline files and lesson plans.
///
/// A 500-byte file with nested aliases ("billion laughs") expands to gigabytes when it is turned into
/// values, and a plan whose long string is aliased thousands of times writes gigabytes of report. So the
/// text is first composed into Yams' node tree, where an alias is the *same* node as its anchor (a
/// copy-on-write reference: composing costs what the text costs), and that tree is walked counting every
/// node and every scalar byte **as if the aliases were expanded**, stopping at the first bound crossed.
/// Only a document within the bounds is turned into values. The bounds are far above any real file
/// (the largest built-in pipeline has 20 parameters; a plan has tens of knowledge points).
enum YAMLLimits {
    /// Largest file read (1 MiB): the built-in pipelines are about 3 KB, a long plan about 20 KB.
    static let maxFileBytes = 1 << 20
    /// Nodes (mappings, sequences, scalars) the document may have, aliases counted expanded.
    static let maxNodes = 100_000
    /// Bytes of scalar text the document may have, aliases counted expanded (4 MiB).
    static let maxExpandedScalarBytes = 4 << 20

    /// Why a document was refused (one line, for the caller to prefix with the file).
    struct Refusal: Error {
        var reason: String
    }

    /// Composes `text` and checks the bounds; returns the root (nil for an empty document).
    static func compose(_ text: String) throws -> Node? {
        let size = text.utf8.count
        guard size <= maxFileBytes else {
            throw Refusal(reason: "the file is \(size) bytes; at most \(maxFileBytes) bytes (1 MiB) are read")
        }
        guard let root = try Yams.compose(yaml: text) else { return nil }
        var nodes = 0
        var bytes = 0
        // Iterative walk: a deep document must not overflow the stack either.
        var stack: [Node] = [root]
        while let node = stack.popLast() {
            nodes += 1
            if nodes > maxNodes {
                throw Refusal(reason: "more than \(maxNodes) values once its aliases (*name) are expanded; aliases that multiply the document are refused")
            }
            switch node {
            case .scalar(let s):
                bytes += s.string.utf8.count
                if bytes > maxExpandedScalarBytes {
                    throw Refusal(reason: "more than \(maxExpandedScalarBytes) bytes of text once its aliases (*name) are expanded; aliases that multiply the document are refused")
                }
            case .sequence(let seq):
                stack.append(contentsOf: seq)
            case .mapping(let map):
                for (k, v) in map { stack.append(k); stack.append(v) }
            case .alias:
                // Compose resolves aliases to their anchors' nodes; nothing to count here.
                break
            }
        }
        return root
    }

    /// Refuses a path that is not a regular file (a FIFO would block the read, a device never ends) or
    /// that is larger than `maxFileBytes`, without opening it. Returns nil when the file is fine, else
    /// the reason; a missing file is left to the caller's read.
    static func refusal(forPath path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        if (st.st_mode & S_IFMT) != S_IFREG {
            return (st.st_mode & S_IFMT) == S_IFDIR ? "is a directory" : "not a regular file (a FIFO, device or socket)"
        }
        if st.st_size > Int64(maxFileBytes) {
            return "the file is \(st.st_size) bytes; at most \(maxFileBytes) bytes (1 MiB) are read"
        }
        return nil
    }

    /// An error text on one line: line breaks and runs of spaces become one space, and text past
    /// `limit` characters is cut with "…" (a YAML error quotes the offending line with a caret under
    /// it, and a decoding error can quote a 100 KB value).
    static func oneLine(_ text: String, limit: Int = 300) -> String {
        var out = ""
        out.reserveCapacity(min(text.count, limit + 1))
        var lastWasSpace = false
        var count = 0
        for ch in text {
            let isSpace = ch.isWhitespace || ch.isNewline
            if isSpace {
                if lastWasSpace || out.isEmpty { continue }
                out.append(" ")
            } else {
                out.append(ch)
            }
            lastWasSpace = isSpace
            count += 1
            if count >= limit {
                return out.trimmingCharacters(in: .whitespaces) + "…"
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }
}
