public import Catalog
import CatalogPostgres
import Foundation
import MediaCore

/// The catalog of `lessonlens serve`, `users` and `timetable`, by its `--catalog` location: a SQLite file
/// (`CatalogStore`) or a `postgres://` URL (the PostgreSQL catalog many hosts share, issue 12). `portal` is
/// what the portal and the timetable commands use (`PortalCatalog`); the command line names no catalog
/// type, it passes `portal` on. `close()` ends a PostgreSQL catalog's connections (a SQLite catalog closes
/// with its last reference).
public struct PortalCatalogHandle: Sendable {
    public let portal: any PortalCatalog
    /// The PostgreSQL queue behind `portal`, closed by `close()`; nil for SQLite.
    let queue: (any JobQueue)?

    init(_ portal: any PortalCatalog, closing queue: (any JobQueue)? = nil) {
        self.portal = portal
        self.queue = queue
    }

    /// The file path or the URL without its password (for messages).
    public var description: String { portal.catalogDescription }

    /// Opens the catalog at `location`: `postgres://…` (migrations applied; `create` does not apply) or a
    /// SQLite file (`create`: created if missing, else `CatalogError` when there is none).
    public static func open(_ location: String, create: Bool) async throws -> PortalCatalogHandle {
        guard PostgresJobQueue.isPostgresURL(location) else {
            return PortalCatalogHandle(try CatalogStore(path: location, create: create))
        }
        let queue: any JobQueue = try await PostgresJobQueue(url: location)
        guard let portal = queue as? any PortalCatalog else {
            await queue.close()
            throw SimpleError(.config, "the PostgreSQL catalog '\(queue.location)' does not serve the portal and the timetable in this build")
        }
        return PortalCatalogHandle(portal, closing: queue)
    }

    /// Closes a PostgreSQL catalog's connections; the handle is not used afterwards.
    public func close() async { await queue?.close() }
}
