/// The four S-T teaching modes (讲授型 / 练习型 / 对话型 / 混合型); `report.json` → `st.mode`.
/// `Analysis` classifies (`STMode.classify(rt:ch:)`), `Reports` names them.
public enum STMode: String, Sendable, Codable, CaseIterable, Equatable {
    case lecture, practice, dialogue, mixed
}
