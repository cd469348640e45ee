internal import GRDB

extension CatalogStore {
    /// The names of the migrations, in the order they are applied (the PostgreSQL catalog keeps the same list).
    public static var migrationNames: [String] { migrator.migrations }

    /// Named, append-only migrations: never edit a registered one, add a new one after it.
    /// Plain SQL kept to what PostgreSQL also accepts (partial indexes, CHECK, REFERENCES), so the same
    /// schema can move there when several machines share one queue. Times are REAL seconds since 1970.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-recordings-jobs-results") { db in
            try db.execute(sql: """
                CREATE TABLE recordings (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL CHECK (size >= 0),
                    mtime REAL NOT NULL,
                    sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
                    created_at REAL NOT NULL
                );
                -- Every path a content was seen at (copies, renames, re-uploads).
                CREATE TABLE recording_paths (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    mtime REAL NOT NULL,
                    first_seen REAL NOT NULL,
                    last_seen REAL NOT NULL,
                    UNIQUE (recording_id, path)
                );
                CREATE INDEX recording_paths_by_path ON recording_paths(path, size, mtime);
                CREATE TABLE jobs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    recording_id INTEGER NOT NULL REFERENCES recordings(id),
                    path TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued','running','done','failed','duplicate')),
                    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    error TEXT,
                    pipeline TEXT NOT NULL,
                    parameters TEXT NOT NULL DEFAULT '{}',
                    created_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    lease_owner TEXT,
                    lease_expires_at REAL,
                    next_attempt_at REAL,
                    report_dir TEXT,
                    duplicate_of INTEGER REFERENCES jobs(id),
                    CHECK (state <> 'running' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
                    CHECK (state <> 'duplicate' OR duplicate_of IS NOT NULL),
                    CHECK (state <> 'done' OR report_dir IS NOT NULL)
                );
                CREATE INDEX jobs_claim ON jobs(state, next_attempt_at, id);
                CREATE INDEX jobs_by_recording ON jobs(recording_id);
                -- One data, one analysis: at most one live (queued, running or done) job per content.
                CREATE UNIQUE INDEX jobs_one_live_per_recording ON jobs(recording_id)
                    WHERE state IN ('queued','running','done');
                -- Done means this row exists; the primary key makes it exactly once per job.
                CREATE TABLE results (
                    job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
                    duration REAL NOT NULL,
                    teacher_ratio REAL NOT NULL,
                    student_ratio REAL NOT NULL,
                    multi_ratio REAL NOT NULL,
                    silence_ratio REAL NOT NULL,
                    rt REAL,
                    ch REAL,
                    mode TEXT,
                    median_wait REAL,
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
                    created_at REAL NOT NULL
                );
                CREATE INDEX results_by_created ON results(created_at);
                """)
        }
        // Warnings about the recording itself (finding codes, comma-separated; empty when none), e.g.
        // `truncated-recording`: the lesson was analysed, but it is shorter than its container says.
        migrator.registerMigration("v2-results-warnings") { db in
            try db.execute(sql: "ALTER TABLE results ADD COLUMN warnings TEXT NOT NULL DEFAULT ''")
        }
        // Times the job's process was killed from outside while it ran (kill -9, the OOM killer, a power
        // cut): not attempts, but bounded too (`CatalogStore.maxInterruptions`), so a file whose analysis
        // makes the kernel kill the watcher cannot loop forever.
        migrator.registerMigration("v3-jobs-interruptions") { db in
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0 CHECK (interruptions >= 0)")
        }
        // Issue 11, the teacher portal: who taught each lesson (timetable attribution), accounts, sessions,
        // the audit log. Attribution lives on the job (it survives a re-analysis, which replaces the
        // result row); `attribution` says where it came from: plan, timetable, manual (an administrator
        // assigned it) or unmatched (listed for an administrator). Times of day are minutes after midnight,
        // local wall-clock (the recorders' and the timetable's clock); `recorded_at` is local text
        // `yyyy-MM-dd HH:mm:ss`.
        migrator.registerMigration("v4-attribution-accounts") { db in
            try db.execute(sql: """
                CREATE TABLE teachers (
                    id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
                    name TEXT NOT NULL,
                    school TEXT NOT NULL
                );
                CREATE TABLE terms (
                    name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
                    imported_at REAL NOT NULL
                );
                CREATE TABLE timetable_slots (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
                );
                CREATE INDEX timetable_slots_by_room ON timetable_slots(school, room);
                ALTER TABLE jobs ADD COLUMN school TEXT;
                ALTER TABLE jobs ADD COLUMN room TEXT;
                ALTER TABLE jobs ADD COLUMN teacher_id TEXT;
                ALTER TABLE jobs ADD COLUMN subject TEXT;
                ALTER TABLE jobs ADD COLUMN class_name TEXT;
                ALTER TABLE jobs ADD COLUMN recorded_at TEXT;
                ALTER TABLE jobs ADD COLUMN slot_id INTEGER;
                ALTER TABLE jobs ADD COLUMN attribution TEXT CHECK (attribution IN ('plan','timetable','manual','unmatched'));
                CREATE INDEX jobs_by_teacher ON jobs(teacher_id);
                CREATE INDEX jobs_by_school ON jobs(school);
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
                    role TEXT NOT NULL CHECK (role IN ('teacher','schoolAdmin','districtAdmin')),
                    password_hash TEXT,
                    teacher_id TEXT,
                    school TEXT,
                    created_at REAL NOT NULL,
                    CHECK (role <> 'teacher' OR teacher_id IS NOT NULL),
                    CHECK (role <> 'schoolAdmin' OR school IS NOT NULL)
                );
                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    csrf TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL
                );
                CREATE INDEX sessions_by_expiry ON sessions(expires_at);
                -- Portal settings, e.g. `attribution.pathPattern` (one source for analyze, watch and serve).
                CREATE TABLE settings (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                );
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at REAL NOT NULL,
                    user_name TEXT NOT NULL,
                    action TEXT NOT NULL,
                    detail TEXT NOT NULL DEFAULT '',
                    ip TEXT NOT NULL DEFAULT ''
                );
                """)
        }
        // The worker that committed a job's result (`host:pid:token:wN`): `jobs` shows the host of a done
        // job, and a worker repeating `complete` after a lost reply learns that its own commit went through.
        migrator.registerMigration("v5-jobs-completed-by") { db in
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN completed_by TEXT")
        }
        // The grade (1-12) the attributed class name states (`SchoolGrade.parse`), for the school view's
        // per-grade distributions; NULL when the class names none. Written with every attribution; lessons
        // attributed before this migration get it here (at most one row per job read at a time).
        migrator.registerMigration("v6-jobs-grade") { db in
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN grade INTEGER CHECK (grade BETWEEN 1 AND 12)")
            let rows = try Row.fetchCursor(db, sql: "SELECT id, class_name FROM jobs WHERE class_name IS NOT NULL")
            var grades: [(Int64, Int)] = []
            while let r = try rows.next() {
                if let g = SchoolGrade.parse(r["class_name"]) { grades.append((r["id"], g)) }
            }
            for (id, g) in grades { try db.execute(sql: "UPDATE jobs SET grade = ? WHERE id = ?", arguments: [g, id]) }
        }
        return migrator
    }
}
