/// How S-T windows are coded (docs/ARCHITECTURE.md §3); `report.json` → `st.rule`.
public enum STRule: String, Sendable, Codable, CaseIterable, Equatable {
    /// T when `teacher` + `media` cover at least half of the window (the default).
    case windowMajority = "window-majority"
    /// The label at the middle of the window (the classic "sample every 30 s" observer rule).
    case instant
}
