public import MediaCore

extension STMode {
    /// Classifies by the contract order: lecture if Rt ≥ 0.7, practice if Rt ≤ 0.3, dialogue if Ch ≥ 0.4,
    /// else mixed. The thresholds are those of the S-T literature (FIELD-NOTES.md, "S-T analysis").
    public static func classify(rt: Double, ch: Double) -> STMode {
        // Rt and Ch are ratios of small integers; the tolerance keeps 7/10 on the right side of 0.7.
        let eps = 1e-12
        if rt >= 0.7 - eps { return .lecture }
        if rt <= 0.3 + eps { return .practice }
        if ch >= 0.4 - eps { return .dialogue }
        return .mixed
    }
}
