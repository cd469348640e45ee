/// Language of a report's texts; `report.json` → `language`, `--lang`, `report.language`.
public enum ReportLanguage: String, Sendable, Codable, CaseIterable {
    case zh, en
}
