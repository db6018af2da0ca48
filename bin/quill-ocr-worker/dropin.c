/*
 * dropin: files that people or scripts put in spool/incoming become jobs,
 * in the manner of Postfix's pickup.
 *
 * SECURITY
 *
 * What reaches this file is written by people this program does not
 * trust: the members of the drop-in group (quill-dropin) may create
 * entries in incoming/ (mode 1730: write, no listing, sticky) and in the
 * incoming/<unix name>/ that `quillctl dropin allow` gave them (their
 * own, of the daemons' group, 2770).  They cannot reach new/ cur/ done/
 * failed/ tmp/ or the logs.  Anything they put there may be hostile:
 * any name, any type (a FIFO, a link, a device), any size (a sparse file
 * of terabytes), and it stays theirs, so they may truncate, grow or swap
 * it at any moment, also after this worker has claimed it.
 *
 * Trusted: the owner of an entry as the kernel says (st_uid, which only
 * root can change), the daemons' own account, root, and the record
 * `quillctl dropin allow` keeps in the spool's own directory.  Not
 * trusted: names, contents, sizes, types, and whatever lstat said a
 * moment ago.  So:
 *
 *   - whose jobs: the directory's name counts only when root or the
 *     daemons' account made the directory (the operator's
 *     incoming/<user id or e-mail>/); a directory a drop-in user made
 *     counts only when it is incoming/<their unix name>/ and they are
 *     allowed, and then its files are the allowed account's whatever the
 *     name.  A file at the top of incoming/ is its unix owner's allowed
 *     account's, else [ocr_worker] dropin_owner's.  Otherwise the file
 *     goes to failed/ with the reason, and no job is made.
 *   - what is read: only a regular file not over [ocr] max_upload, opened
 *     O_NOFOLLOW | O_NONBLOCK (a link swapped in is not followed, a FIFO
 *     swapped in does not block), checked again on the descriptor, and
 *     copied with read(2), never mapped: a truncation gives a short read
 *     (refused), never a SIGBUS.  Anything else is removed unread, with
 *     a log line.
 *   - names are logged through log_quote() only, and copied into the spool
 *     header escaped (lib/spool.c).
 *
 * A file is taken only once it has not changed for dropin_settle, and
 * names that writers use while writing (dot files, *.part, *.tmp,
 * *.crdownload, *~) are never taken.  Taking is a rename to a hidden
 * name with this worker's pid (spool_dropin_claim), so two workers never
 * take the same file, and the master puts back what a dead worker held.
 *
 * The job id is a hash of the file's identity (device, inode, size,
 * mtime, owner, name): a crash between delivering the spool file and
 * removing the dropped one makes the same job again, which the job's row
 * then finishes only once.  What is not an image still becomes a job,
 * which fails with its reason.
 *
 * A name that is not UTF-8 (a Latin-1 name off a file share, or a
 * crafted one) is repaired, not refused: the job keeps the name with
 * U+FFFD for each ill-formed part (lib/utf8), since PostgreSQL refuses
 * such text for ever and the person who dropped the file still wants it
 * read.  The job id hashes the name as it was, so it stays unique.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/imagetype.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "bin/quill-ocr-worker/ocrw.h"
#include "bin/quill-ocr-worker/owners.h"

static bool
name_skipped(const char *n)
{
	static const char *const suffixes[] = { ".part", ".tmp", ".crdownload", "~" };
	size_t len = strlen(n);

	if (n[0] == '.' || len > 200)
		return true;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t k = strlen(suffixes[i]);

		if (len >= k && strcmp(n + len - k, suffixes[i]) == 0)
			return true;
	}
	return false;
}

static void
identity_job_id(const struct stat *st, const char *owner, const char *name, char out[UUID_STR_LEN + 1])
{
	char text[512];
	int n = snprintf(text, sizeof(text), "quill dropin\n%llu %llu %lld %lld.%09ld\n%s\n%s",
	    (unsigned long long)st->st_dev, (unsigned long long)st->st_ino, (long long)st->st_size,
	    (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, owner, name);

	uuid_v8_hash(text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1, out);
}

/* One log line for a drop-in turned away; every value someone else chose is quoted. */
static void
log_refused(const struct spool_dropin *d, const char *job, const char *reason)
{
	char dir[2 * sizeof(d->dir)], file[2 * sizeof(d->name)], why[512];

	log_warnx("event=dropin_refused dir=%s file=%s job=%s reason=%s",
	    log_quote(dir, sizeof(dir), d->dir[0] != '\0' ? d->dir : ".", (size_t)-1),
	    log_quote(file, sizeof(file), d->name, (size_t)-1), job != NULL ? job : "-",
	    log_quote(why, sizeof(why), reason, (size_t)-1));
}

static void leave(const struct spool_dropin *d, const char *why);

/*
 * Removes the entry unread: nothing of it is worth keeping.  Returns
 * whether it is gone, so that one left in place does not have the
 * worker look again at once, and again.
 */
static bool
discard(struct ocrw *o, struct spool_dropin *d, const char *reason)
{
	if (spool_dropin_remove(o->spool, d) == 0) {
		log_refused(d, NULL, reason);
		return true;
	}
	if (errno == ENOENT)
		return true;	/* another worker was first */
	if (errno == EACCES || errno == EPERM)
		leave(d, reason);	/* a drop-in user's directory the worker may not write */
	else
		log_warn("event=dropin_remove_failed");
	return false;
}

/* No account to give it to: to failed/ with the reason beside it. */
static void
refuse(struct ocrw *o, struct spool_dropin *d, const char *owner, const char *reason)
{
	char job[UUID_STR_LEN + 1], line[512];

	/* the reason is one line of failed/<job>.reason, whatever a directory's name holds */
	snprintf(line, sizeof(line), "%s", reason);
	for (char *p = line; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	reason = line;
	identity_job_id(&d->st, owner, d->name, job);
	if (spool_dropin_refuse(o->spool, d, job, reason) != 0) {
		log_warn("event=dropin_refuse_failed job=%s", job);
		spool_dropin_remove(o->spool, d);
	}
	log_refused(d, job, reason);
}

/*
 * Whose jobs d's files make: OWNER_FOUND with the id in owner,
 * OWNER_MISSING with the reason in why, OWNER_PENDING to pass it over
 * for now (an e-mail being looked up, or a directory nobody names).
 */
static enum owner_state
owner_of(struct ocrw *o, const struct spool_dropin *d, char owner[UUID_STR_LEN + 1], char *why, size_t whysize)
{
	uid_t me = geteuid(), by = d->dir[0] == '\0' ? d->st.st_uid : d->dir_st.st_uid;
	char unix_name[64];
	int rc = by == 0 || by == me ? 1 : spool_dropin_owner(o->spool, by, owner, unix_name);

	if (rc < 0)
		return OWNER_PENDING;	/* the record cannot be read now: ask again later */
	if (d->dir[0] == '\0') {
		if (rc == 0)
			return OWNER_FOUND;
		if (o->dropin_owner[0] == '\0') {
			snprintf(why, whysize, "no owner: drop files in incoming/<your unix name>/ after "
			    "`quillctl dropin allow`, or set [ocr_worker] dropin_owner");
			return OWNER_MISSING;
		}
		memcpy(owner, o->dropin_owner, UUID_STR_LEN + 1);
		return OWNER_FOUND;
	}
	if (by != 0 && by != me) {
		/* a drop-in user's own directory: its name says nothing, its owner everything */
		if (rc == 0 && strcmp(unix_name, d->dir) == 0)
			return OWNER_FOUND;
		if (rc == 0)
			snprintf(why, whysize, "no owner: incoming/%s/ belongs to %s, whose files are read "
			    "from incoming/%s/ only", d->dir, unix_name, unix_name);
		else
			snprintf(why, whysize, "no owner: incoming/%s/ belongs to uid %ld, which no account "
			    "allows (quillctl dropin allow)", d->dir, (long)by);
		return OWNER_MISSING;
	}
	/* the operator's directory: named by user id or by e-mail */
	if (uuid_canonical(d->dir, strlen(d->dir), owner))
		return OWNER_FOUND;
	if (strchr(d->dir, '@') == NULL)
		return OWNER_PENDING;
	switch (owners_find(d->dir, owner)) {
	case OWNER_FOUND:
		return OWNER_FOUND;
	case OWNER_MISSING:
		snprintf(why, whysize, "no owner: no active account has the address %s", d->dir);
		return OWNER_MISSING;
	default:
		return OWNER_PENDING;
	}
}

/* Copies the claimed file into the spool as a job of owner; whether the entry is dealt with. */
static bool
deliver(struct ocrw *o, struct spool_dropin *d, const char *owner, const struct timeval *now)
{
	struct spool_meta m;
	void *data;
	size_t len;
	int rc;
	char file[2 * sizeof(d->name)];

	switch (spool_dropin_read(o->spool, d, o->max_upload, &data, &len)) {
	case SPOOL_READ_OK:
		break;
	case SPOOL_READ_NOT_REGULAR:
		return discard(o, d, "not a regular file");
	case SPOOL_READ_TOO_BIG:
		return discard(o, d, "larger than [ocr] max_upload");
	case SPOOL_READ_CHANGED:
		return discard(o, d, "the file changed while it was read");
	case SPOOL_READ_ERROR:
	default:
		log_warn("event=dropin_read_failed file=%s (the quill account must be able to read it)",
		    log_quote(file, sizeof(file), d->name, (size_t)-1));
		spool_dropin_release(o->spool, d);
		return false;
	}
	memset(&m, 0, sizeof(m));
	identity_job_id(&d->st, owner, d->name, m.job_id);
	snprintf(m.user_id, sizeof(m.user_id), "%s", owner);
	utf8_repair(m.filename, sizeof(m.filename), d->name, strlen(d->name));
	snprintf(m.source, sizeof(m.source), "dropin");
	m.created_us = (int64_t)now->tv_sec * 1000000 + now->tv_usec;
	snprintf(m.type, sizeof(m.type), "%s", imagetype_name(imagetype_sniff(len > 0 ? data : "", len)));
	rc = spool_deliver(o->spool, &m, len > 0 ? data : "", len);
	free(data);
	if (rc != 0) {
		log_warn("event=dropin_deliver_failed file=%s", log_quote(file, sizeof(file), d->name, (size_t)-1));
		spool_dropin_release(o->spool, d);
		return false;
	}
	spool_dropin_remove(o->spool, d);
	log_info("event=dropin_taken job=%s user=%s file=%s type=%s bytes=%zu", m.job_id, m.user_id,
	    log_quote(file, sizeof(file), d->name, (size_t)-1), m.type, len);
	return true;
}

/*
 * A file nobody owns in a directory the worker cannot write (a drop-in
 * user's own, made by hand) cannot be moved to failed/: it is left where
 * it is, unread, and said once.  The last few such files are remembered
 * so that every rescan does not say it again.
 */
static void
leave(const struct spool_dropin *d, const char *why)
{
	static struct { dev_t dev; ino_t ino; } said[32];
	static unsigned next;
	char reason[600];

	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++)
		if (said[i].ino == d->st.st_ino && said[i].dev == d->st.st_dev)
			return;
	said[next % 32].dev = d->st.st_dev;
	said[next % 32].ino = d->st.st_ino;
	next++;
	snprintf(reason, sizeof(reason), "%s (left unread: the directory is not writable by the worker)", why);
	log_refused(d, NULL, reason);
}

/* Takes d if it has settled and may be taken.  Returns whether it dealt with it. */
static bool
take(void *arg, struct spool_dropin *d)
{
	struct ocrw *o = arg;
	char owner[UUID_STR_LEN + 1] = "", why[512];
	struct timeval now;
	int64_t now_ms, changed_ms;
	enum owner_state whose;
	int rc;

	if (name_skipped(d->name))
		return false;
	/* incoming/ holds files: a link, a FIFO, a device is removed unread */
	if (!S_ISREG(d->st.st_mode))
		return discard(o, d, "not a regular file");
	gettimeofday(&now, NULL);
	now_ms = (int64_t)now.tv_sec * 1000 + now.tv_usec / 1000;
	changed_ms = (int64_t)d->st.st_mtim.tv_sec * 1000 + d->st.st_mtim.tv_nsec / 1000000;
	if (d->st.st_ctim.tv_sec * 1000LL + d->st.st_ctim.tv_nsec / 1000000 > changed_ms)
		changed_ms = d->st.st_ctim.tv_sec * 1000LL + d->st.st_ctim.tv_nsec / 1000000;
	if (now_ms - changed_ms < o->settle_ms)
		return false;
	/* by its size alone: a sparse file of terabytes is never read */
	if ((uint64_t)d->st.st_size > o->max_upload)
		return discard(o, d, "larger than [ocr] max_upload");
	whose = owner_of(o, d, owner, why, sizeof(why));
	if (whose == OWNER_PENDING)
		return false;
	if ((rc = spool_dropin_claim(o->spool, d, getpid())) != 0) {
		static time_t warned;
		char file[2 * sizeof(d->name)];

		if (rc < 0 && whose == OWNER_MISSING && errno == EACCES) {
			leave(d, why);
			return false;
		}
		/* 1: another worker took it, or it changed; anything else the operator must hear, now and then */
		if (rc < 0 && now.tv_sec - warned >= 60) {
			warned = now.tv_sec;
			log_warn("event=dropin_take_failed file=%s (the directory must be writable by the worker's user)",
			    log_quote(file, sizeof(file), d->name, (size_t)-1));
		}
		return false;
	}
	if (whose != OWNER_FOUND) {
		refuse(o, d, "", why);
		return true;
	}
	return deliver(o, d, owner, &now);
}

bool
dropin_take_one(struct ocrw *o)
{
	return spool_dropin_scan(o->spool, take, o);
}
