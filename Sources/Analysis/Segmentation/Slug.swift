/// File-name-safe slugs for clip names (`clips/NN-<slug>.mp4`).
public enum Slug {
    /// A slug of `title`: letters and digits of any script are kept (Chinese included), lowercased;
    /// everything else (spaces, punctuation, path separators, quotes, control characters, dots, emoji)
    /// becomes a separator; runs of separators collapse to one `-`, none at either end. At most `maxLength`
    /// characters (cut at a character boundary, so a multi-byte letter is never split). Never empty:
    /// `untitled` when nothing is left.
    public static func make(_ title: String, maxLength: Int = 48) -> String {
        var out = ""
        var pendingSeparator = false
        let limit = max(1, maxLength)
        for ch in title {
            if ch.isLetter || ch.isNumber {
                if pendingSeparator && !out.isEmpty {
                    if out.count + 2 > limit { break }
                    out.append("-")
                }
                pendingSeparator = false
                if out.count + 1 > limit { break }
                // Lowercased so names do not collide on case-insensitive file systems (no-op for CJK).
                out.append(contentsOf: ch.lowercased())
            } else {
                pendingSeparator = true
            }
        }
        return out.isEmpty ? "untitled" : out
    }
}
