/*
 * migrate: brings the database schemas up to date from the numbered SQL
 * files in [database] migrations_dir, one folder per schema.
 *
 * Each file sql/<schema>/NNN_name.sql is applied once, in its own
 * transaction, and recorded with its SHA-256 in
 * quill_admin.schema_migrations; a file changed after it was applied is
 * an error, never silently re-run.  Concurrent runs serialise on an
 * advisory lock.
 */
#ifndef QUILLCTL_MIGRATE_H
#define QUILLCTL_MIGRATE_H

struct config;

/*
 * Both return the exit status: 0, or 1 after one message on stderr.
 * migrate_apply prints "applied schema/file" per file and a summary;
 * migrate_status lists every file as applied (with its time) or pending
 * and changes nothing.
 */
int migrate_apply(const struct config *cfg);
int migrate_status(const struct config *cfg);

#endif
