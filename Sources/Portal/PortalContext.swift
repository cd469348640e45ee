internal import Catalog
internal import Hummingbird
internal import NIOCore
internal import MediaCore

/// Per-request state: the peer address (rate limiting, audit log), the signed-in account, the language.
struct PortalContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The peer's IP address; proxies are not trusted for it (a forged header would dodge the rate limit).
    let remoteIP: String
    var session: SessionRow?
    var sessionTokenHash: String?
    var language: ReportLanguage = .zh

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteIP = source.channel.remoteAddress?.ipAddress ?? "-"
    }

    /// Forms are small; nothing is uploaded through the portal yet.
    var maxUploadSize: Int { PortalLimits.formBytes }
}

enum PortalLimits {
    /// Largest accepted form body (sign-in, export, sign-out).
    static let formBytes = 16 * 1024
    /// Requests that declare a larger body are refused before it is read.
    static let requestBytes = 64 * 1024
    /// The timetable page's CSV (`/admin/timetable`): a school's timetable is some thousand rows of ~100
    /// bytes; a district's larger one goes through `lessonlens timetable import` (16 MiB).
    static let timetableBytes = 2 << 20
    static let timetableColumns = "school,room,weekday|date,start,end,teacher_id,teacher_name,subject,class,term"
    static let pageSize = 50
    static let maxPageSize = 500
    /// Lessons a trends page plots (the most recent).
    static let trendLessons = 200
}

/// An answer other than the page: status and (for the error page) nothing more. Thrown by routes and
/// turned into a page (or JSON under `/api/`) by `ErrorPageMiddleware`, never into a stack trace.
struct PageError: Error {
    var status: HTTPResponse.Status
    var headers: HTTPFields = [:]
    static let notFound = PageError(status: .notFound)
    static let forbidden = PageError(status: .forbidden)
}

/// A 303 to another page (sign-in when the session is missing).
struct Redirect: Error {
    var location: String
}
