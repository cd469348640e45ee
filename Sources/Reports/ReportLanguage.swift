/// Language of the HTML report's texts.
public enum ReportLanguage: String, Sendable, CaseIterable {
    case zh, en

    /// The value of the `<html lang>` attribute.
    var htmlLang: String { self == .zh ? "zh-CN" : "en" }
}
