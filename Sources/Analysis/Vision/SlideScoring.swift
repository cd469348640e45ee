/// Accuracy of detected event times against truth (slide changes, segment boundaries).
public enum SlideScoring {
    /// Precision, recall and F1 of `predicted` against `truth` (seconds), with greedy one-to-one matching:
    /// all pairs within `tolerance` seconds are taken closest first, each time used at most once.
    /// Both empty gives 1/1/1 (nothing to find, nothing claimed).
    public static func f1(truth: [Double], predicted: [Double], tolerance: Double) -> (precision: Double, recall: Double, f1: Double) {
        if truth.isEmpty && predicted.isEmpty { return (1, 1, 1) }
        var pairs: [(d: Double, t: Int, p: Int)] = []
        for (i, t) in truth.enumerated() {
            for (j, p) in predicted.enumerated() where abs(t - p) <= tolerance {
                pairs.append((abs(t - p), i, j))
            }
        }
        pairs.sort { $0.d != $1.d ? $0.d < $1.d : ($0.t != $1.t ? $0.t < $1.t : $0.p < $1.p) }
        var usedT = Set<Int>(), usedP = Set<Int>()
        var matched = 0
        for pair in pairs where !usedT.contains(pair.t) && !usedP.contains(pair.p) {
            usedT.insert(pair.t)
            usedP.insert(pair.p)
            matched += 1
        }
        let precision = predicted.isEmpty ? 0 : Double(matched) / Double(predicted.count)
        let recall = truth.isEmpty ? 0 : Double(matched) / Double(truth.count)
        let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        return (precision, recall, f1)
    }
}
