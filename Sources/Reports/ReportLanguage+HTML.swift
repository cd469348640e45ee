import MediaCore

extension ReportLanguage {
    /// The value of the `<html lang>` attribute.
    var htmlLang: String { self == .zh ? "zh-CN" : "en" }
}
