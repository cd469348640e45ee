internal import GRDB

extension CatalogStore {
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
        // The worker that committed a job's result (`host:pid:token:wN`): `jobs` shows the host of a done
        // job, and a worker repeating `complete` after a lost reply learns that its own commit went through.
        migrator.registerMigration("v5-jobs-completed-by") { db in
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN completed_by TEXT")
        }
        return migrator
    }
}
