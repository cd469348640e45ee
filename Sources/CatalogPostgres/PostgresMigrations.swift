import Catalog
import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL catalog's schema: the same named, append-only migrations as the SQLite catalog
/// (`CatalogStore.migrator`: v1-recordings-jobs-results, v2-results-warnings, v3-jobs-interruptions,
/// v4-attribution-accounts, v5-jobs-completed-by) in PostgreSQL's dialect, the same constraints (one live
/// job per content, a result exactly once per job, the state checks). Applied names are kept in
/// `lessonlens_migrations`; concurrent starters (many workers coming up at once) take turns on a
/// transaction-scoped advisory lock, so each migration runs once and a starter never sees half a schema.
/// Never edit a registered one.
enum PostgresMigrations {
    static let all: [(name: String, sql: [String])] = [
        ("v1-recordings-jobs-results", [
            """
            CREATE TABLE recordings (
                id BIGSERIAL PRIMARY KEY,
                path TEXT NOT NULL,
                size BIGINT NOT NULL CHECK (size >= 0),
                mtime DOUBLE PRECISION NOT NULL,
                sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE TABLE recording_paths (
                id BIGSERIAL PRIMARY KEY,
                recording_id BIGINT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
                path TEXT NOT NULL,
                size BIGINT NOT NULL,
                mtime DOUBLE PRECISION NOT NULL,
                first_seen DOUBLE PRECISION NOT NULL,
                last_seen DOUBLE PRECISION NOT NULL,
                UNIQUE (recording_id, path)
            )
            """,
            "CREATE INDEX recording_paths_by_path ON recording_paths(path, size, mtime)",
            """
            CREATE TABLE jobs (
                id BIGSERIAL PRIMARY KEY,
                recording_id BIGINT NOT NULL REFERENCES recordings(id),
                path TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('queued','running','done','failed','duplicate')),
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                error TEXT,
                pipeline TEXT NOT NULL,
                parameters TEXT NOT NULL DEFAULT '{}',
                created_at DOUBLE PRECISION NOT NULL,
                started_at DOUBLE PRECISION,
                finished_at DOUBLE PRECISION,
                lease_owner TEXT,
                lease_expires_at DOUBLE PRECISION,
                next_attempt_at DOUBLE PRECISION,
                report_dir TEXT,
                duplicate_of BIGINT REFERENCES jobs(id),
                CHECK (state <> 'running' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
                CHECK (state <> 'duplicate' OR duplicate_of IS NOT NULL),
                CHECK (state <> 'done' OR report_dir IS NOT NULL)
            )
            """,
            "CREATE INDEX jobs_claim ON jobs(state, next_attempt_at, id)",
            "CREATE INDEX jobs_by_recording ON jobs(recording_id)",
            "CREATE UNIQUE INDEX jobs_one_live_per_recording ON jobs(recording_id) WHERE state IN ('queued','running','done')",
            """
            CREATE TABLE results (
                job_id BIGINT PRIMARY KEY REFERENCES jobs(id),
                duration DOUBLE PRECISION NOT NULL,
                teacher_ratio DOUBLE PRECISION NOT NULL,
                student_ratio DOUBLE PRECISION NOT NULL,
                multi_ratio DOUBLE PRECISION NOT NULL,
                silence_ratio DOUBLE PRECISION NOT NULL,
                rt DOUBLE PRECISION,
                ch DOUBLE PRECISION,
                mode TEXT,
                median_wait DOUBLE PRECISION,
                question_count INTEGER NOT NULL,
                turn_exchanges INTEGER NOT NULL,
                findings_count INTEGER NOT NULL,
                slide_changes INTEGER NOT NULL,
                micro_lessons INTEGER NOT NULL,
                language TEXT NOT NULL,
                lesson_title TEXT,
                teacher TEXT,
                subject TEXT,
                school TEXT,
                report_dir TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX results_by_created ON results(created_at)",
        ]),
        ("v2-results-warnings", ["ALTER TABLE results ADD COLUMN warnings TEXT NOT NULL DEFAULT ''"]),
        ("v3-jobs-interruptions", ["ALTER TABLE jobs ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0 CHECK (interruptions >= 0)"]),
        // Issue 11, the portal (SQLite's v4-attribution-accounts, same tables, columns, checks and indexes):
        // attribution on the job, the timetable, accounts, sessions, settings, the audit log. Listed before
        // v5 as in SQLite; a database made before it existed (v1, v2, v3, v5 applied) gets it on its next
        // start, since migrations are applied by name.
        ("v4-attribution-accounts", [
            """
            CREATE TABLE teachers (
                id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
                name TEXT NOT NULL,
                school TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE terms (
                name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
                imported_at DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE TABLE timetable_slots (
                id BIGSERIAL PRIMARY KEY,
                term TEXT NOT NULL REFERENCES terms(name) ON DELETE CASCADE,
                school TEXT NOT NULL,
                room TEXT NOT NULL,
                weekday INTEGER CHECK (weekday BETWEEN 1 AND 7),
                date TEXT CHECK (date IS NULL OR length(date) = 10),
                start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
                end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
                teacher_id TEXT NOT NULL REFERENCES teachers(id),
                subject TEXT NOT NULL,
                class_name TEXT NOT NULL,
                line INTEGER NOT NULL,
                CHECK ((weekday IS NULL) <> (date IS NULL)),
                CHECK (end_minute > start_minute)
            )
            """,
            "CREATE INDEX timetable_slots_by_room ON timetable_slots(school, room)",
            "ALTER TABLE jobs ADD COLUMN school TEXT",
            "ALTER TABLE jobs ADD COLUMN room TEXT",
            "ALTER TABLE jobs ADD COLUMN teacher_id TEXT",
            "ALTER TABLE jobs ADD COLUMN subject TEXT",
            "ALTER TABLE jobs ADD COLUMN class_name TEXT",
            "ALTER TABLE jobs ADD COLUMN recorded_at TEXT",
            "ALTER TABLE jobs ADD COLUMN slot_id BIGINT",
            "ALTER TABLE jobs ADD COLUMN attribution TEXT CHECK (attribution IN ('plan','timetable','manual','unmatched'))",
            "CREATE INDEX jobs_by_teacher ON jobs(teacher_id)",
            "CREATE INDEX jobs_by_school ON jobs(school)",
            """
            CREATE TABLE users (
                id BIGSERIAL PRIMARY KEY,
                name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
                role TEXT NOT NULL CHECK (role IN ('teacher','schoolAdmin','districtAdmin')),
                password_hash TEXT,
                teacher_id TEXT,
                school TEXT,
                created_at DOUBLE PRECISION NOT NULL,
                CHECK (role <> 'teacher' OR teacher_id IS NOT NULL),
                CHECK (role <> 'schoolAdmin' OR school IS NOT NULL)
            )
            """,
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                csrf TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX sessions_by_expiry ON sessions(expires_at)",
            // Portal settings, e.g. `attribution.pathPattern` (one source for analyze, watch and serve).
            """
            CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE audit_log (
                id BIGSERIAL PRIMARY KEY,
                at DOUBLE PRECISION NOT NULL,
                user_name TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT '',
                ip TEXT NOT NULL DEFAULT ''
            )
            """,
        ]),
        ("v5-jobs-completed-by", ["ALTER TABLE jobs ADD COLUMN completed_by TEXT"]),
        // The grade the attributed class states (`SchoolGrade.parse`, written by `setAttribution`); lessons
        // attributed before it get theirs from `backfillGrades` in the same transaction.
        ("v6-jobs-grade", ["ALTER TABLE jobs ADD COLUMN grade INTEGER CHECK (grade BETWEEN 1 AND 12)"]),
    ]

    /// v6's backfill: the grade of each already attributed class, parsed in Swift as SQLite's v6 does.
    static func backfillGrades(_ c: PostgresConnection, logger: Logger) async throws {
        var grades: [(Int64, Int)] = []
        for try await (id, className) in try await c.query("SELECT id, class_name FROM jobs WHERE class_name IS NOT NULL",
                                                             logger: logger).decode((Int64, String).self) {
            if let g = SchoolGrade.parse(className) { grades.append((id, g)) }
        }
        for (id, g) in grades { try await c.query("UPDATE jobs SET grade = \(g) WHERE id = \(id)", logger: logger) }
    }

    /// The names of the migrations, in order (tests compare them with the SQLite catalog's).
    static var names: [String] { all.map(\.name) }

    static func migrate(_ queue: PostgresJobQueue, _ migrations: [(name: String, sql: [String])] = all) async throws {
        let logger = queue.logger
        _ = try await queue.call("migrate") { c in
            try await PostgresJobQueue.transaction(c, logger: logger) { c in
                try await c.query("SELECT pg_advisory_xact_lock(12, 0)", logger: logger)
                try await c.query("""
                    CREATE TABLE IF NOT EXISTS lessonlens_migrations (name TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)
                    """, logger: logger)
                var applied: Set<String> = []
                for try await name in try await c.query("SELECT name FROM lessonlens_migrations", logger: logger).decode(String.self) {
                    applied.insert(name)
                }
                for migration in migrations where !applied.contains(migration.name) {
                    for statement in migration.sql { try await c.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                    if migration.name == "v6-jobs-grade" { try await backfillGrades(c, logger: logger) }
                    try await c.query("""
                        INSERT INTO lessonlens_migrations (name, applied_at) VALUES (\(migration.name), \(unescaped: nowSQL))
                        """, logger: logger)
                }
                return applied.count
            }
        }
    }
}

extension PostgresJobQueue {
    /// The migration names this backend applies, in order.
    public static var migrationNames: [String] { PostgresMigrations.names }

    /// The names recorded as applied in the database.
    public func appliedMigrations() async throws -> [String] {
        let logger = self.logger
        return try await call("read migrations") { c in
            var out: [String] = []
            for try await name in try await c.query("SELECT name FROM lessonlens_migrations ORDER BY name", logger: logger)
                .decode(String.self) { out.append(name) }
            return out
        }
    }

    /// Runs one SQL statement (tests and benchmarks: fault injection such as `pg_terminate_backend`).
    public func executeForTesting(_ sql: String) async throws {
        let logger = self.logger
        _ = try await call("execute") { c in try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger); return 0 }
    }
}
