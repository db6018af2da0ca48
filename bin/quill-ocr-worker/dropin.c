/*
 * dropin: files that people or scripts put in spool/incoming become jobs,
 * in the manner of Postfix's pickup.
 *
 *   incoming/<file>            owned by [ocr_worker] dropin_owner
 *   incoming/<user id>/<file>  owned by that user
 *   incoming/<email>/<file>    owned by the active account with that address
 *
 * A file is taken only once it has not changed for dropin_settle, and
 * names that writers use while writing (dot files, *.part, *.tmp,
 * *.crdownload, *~) are never taken: a file still being copied is not
 * picked up half-written.  Taking is a rename to a hidden name with this
 * worker's pid, so two workers never take the same file, and a worker's
 * death leaves a name the master can put back (dropin_recover).
 *
 * The job id is a hash of the file's identity (device, inode, size,
 * mtime, name): a crash between delivering the spool file and removing
 * the dropped one makes the same job again, which the job's row then
 * finishes only once.  What is not an image still becomes a job, which
 * fails with its reason; only a file nobody owns goes straight to
 * failed/ (there is no user to give a row to).
 *
 * A name that is not UTF-8 (a Latin-1 name off a file share, or a
 * crafted one) is repaired, not refused: the job keeps the name with
 * U+FFFD for each ill-formed part (lib/utf8), since PostgreSQL refuses
 * such text for ever and the person who dropped the file still wants it
 * read.  The job id hashes the name as it was, so it stays unique.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>


#include "lib/imagetype.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "bin/quill-ocr-worker/ocrw.h"

#define CLAIM_TAG	".quill-"

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

/* Nobody owns it: straight to failed/ with the reason beside it. */
static void
refuse(struct ocrw *o, int dir, const char *claimed, const char *job, const char *reason)
{
	char cur[SPOOL_NAME_MAX], quoted[600];

	/* through cur/, so spool_fail writes the reason before the file arrives */
	snprintf(cur, sizeof(cur), "%s.%ld", job, (long)getpid());
	if (renameat(dir, claimed, o->spool.dir_fd[SPOOL_CUR], cur) != 0 ||
	    spool_fail(&o->spool, cur, reason) != 0)
		log_warn("event=dropin_refuse_failed job=%s", job);
	log_warnx("event=dropin_refused job=%s reason=%s", job, log_quote(quoted, sizeof(quoted), reason, (size_t)-1));
}

/* Delivers the claimed file as a job; 0, or -1 after putting it back. */
static int
deliver(struct ocrw *o, int dir, const char *claimed, const char *name, const struct stat *st,
    struct spool_meta *m)
{
	void *data = NULL;
	char quoted[600];
	int fd, rc;

	if (st->st_size > 0) {
		if ((fd = openat(dir, claimed, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
			return -1;
		data = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (data == MAP_FAILED)
			return -1;
	}
	snprintf(m->type, sizeof(m->type), "%s",
	    imagetype_name(imagetype_sniff(data != NULL ? data : "", (size_t)st->st_size)));
	rc = spool_deliver(&o->spool, m, data != NULL ? data : "", (size_t)st->st_size);
	if (data != NULL)
		munmap(data, (size_t)st->st_size);
	if (rc != 0) {
		log_warn("event=dropin_deliver_failed file=%s", log_quote(quoted, sizeof(quoted), name, (size_t)-1));
		return -1;
	}
	unlinkat(dir, claimed, 0);
	log_info("event=dropin_taken job=%s user=%s file=%s type=%s bytes=%lld", m->job_id, m->user_id,
	    log_quote(quoted, sizeof(quoted), name, (size_t)-1), m->type, (long long)st->st_size);
	return 0;
}

/* Takes dir/name if it has settled.  Returns whether it did. */
static bool
take(struct ocrw *o, int dir, const char *name, const char *owner)
{
	char claimed[300];
	struct spool_meta m;
	struct stat before, st;
	struct timeval now;
	int64_t now_ms, changed_ms;

	if (fstatat(dir, name, &before, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(before.st_mode))
		return false;
	gettimeofday(&now, NULL);
	now_ms = (int64_t)now.tv_sec * 1000 + now.tv_usec / 1000;
	changed_ms = (int64_t)before.st_mtim.tv_sec * 1000 + before.st_mtim.tv_nsec / 1000000;
	if (before.st_ctim.tv_sec * 1000LL + before.st_ctim.tv_nsec / 1000000 > changed_ms)
		changed_ms = before.st_ctim.tv_sec * 1000LL + before.st_ctim.tv_nsec / 1000000;
	if (now_ms - changed_ms < o->settle_ms)
		return false;
	snprintf(claimed, sizeof(claimed), ".%s" CLAIM_TAG "%ld", name, (long)getpid());
	if (renameat(dir, name, dir, claimed) != 0) {
		static time_t warned;
		char quoted[600];

		/* ENOENT: another worker took it; anything else the operator must hear, now and then */
		if (errno != ENOENT && now.tv_sec - warned >= 60) {
			warned = now.tv_sec;
			log_warn("event=dropin_take_failed file=%s (the directory must be writable by the worker's user)",
			    log_quote(quoted, sizeof(quoted), name, (size_t)-1));
		}
		return false;
	}
	/* written to since it was looked at: a writer still has it open */
	if (fstatat(dir, claimed, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_size != before.st_size ||
	    st.st_mtim.tv_sec != before.st_mtim.tv_sec || st.st_mtim.tv_nsec != before.st_mtim.tv_nsec) {
		renameat(dir, claimed, dir, name);
		return false;
	}
	memset(&m, 0, sizeof(m));
	identity_job_id(&st, owner, name, m.job_id);
	if (owner[0] == '\0') {
		refuse(o, dir, claimed, m.job_id, "no owner: drop files in incoming/<user id or email>/ of an "
		    "active account, or set [ocr_worker] dropin_owner");
		return true;
	}
	snprintf(m.user_id, sizeof(m.user_id), "%s", owner);
	utf8_repair(m.filename, sizeof(m.filename), name, strlen(name));
	snprintf(m.source, sizeof(m.source), "dropin");
	m.created_us = (int64_t)now.tv_sec * 1000000 + now.tv_usec;
	if (deliver(o, dir, claimed, name, &st, &m) != 0) {
		renameat(dir, claimed, dir, name);
		return false;
	}
	return true;
}

/* The files of incoming/<dir>/, owned by owner ("" when the directory names nobody). */
static bool
take_from_user_dir(struct ocrw *o, int parent, const char *dir, const char *owner)
{
	DIR *d = spool_opendir(parent, dir);
	struct dirent *de;
	bool took = false;

	if (d == NULL)
		return false;
	while (!took && (de = readdir(d)) != NULL)
		if (!name_skipped(de->d_name))
			took = take(o, dirfd(d), de->d_name, owner);
	closedir(d);
	return took;
}

/* incoming/<user id>/ or incoming/<email>/; false while the e-mail is being looked up. */
static bool
take_from_dir(struct ocrw *o, int parent, const char *dir)
{
	char owner[UUID_STR_LEN + 1] = "";

	if (strlen(dir) == UUID_STR_LEN && uuid_valid(dir, UUID_STR_LEN)) {
		for (int i = 0; i <= UUID_STR_LEN; i++)
			owner[i] = (char)(dir[i] >= 'A' && dir[i] <= 'F' ? dir[i] - 'A' + 'a' : dir[i]);
		return take_from_user_dir(o, parent, dir, owner);
	}
	if (strchr(dir, '@') == NULL)
		return false;
	switch (owners_find(dir, owner)) {
	case OWNER_FOUND:
		return take_from_user_dir(o, parent, dir, owner);
	case OWNER_MISSING:
		return take_from_user_dir(o, parent, dir, "");
	default:
		return false;
	}
}

bool
dropin_take_one(struct ocrw *o)
{
	DIR *d = spool_opendir(o->spool.dir_fd[SPOOL_INCOMING], ".");
	struct dirent *de;
	bool took = false;

	if (d == NULL)
		return false;
	while (!took && (de = readdir(d)) != NULL) {
		struct stat st;

		if (name_skipped(de->d_name) || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			took = take_from_dir(o, dirfd(d), de->d_name);
		} else if (S_ISREG(st.st_mode)) {
			took = take(o, dirfd(d), de->d_name, o->dropin_owner);
		}
	}
	closedir(d);
	return took;
}

/* Puts back ".<name>.quill-<pid>" as "<name>" in one directory. */
static int
recover_in(int dir, pid_t pid, int depth)
{
	DIR *d = spool_opendir(dir, ".");
	struct dirent *de;
	int moved = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		const char *tag = strstr(de->d_name, CLAIM_TAG);
		char *end, name[256];
		long owner;

		if (de->d_name[0] != '.' || tag == NULL)
			continue;
		owner = strtol(tag + strlen(CLAIM_TAG), &end, 10);
		if (*end != '\0' || owner <= 0 || (pid != 0 && owner != (long)pid) ||
		    (size_t)(tag - de->d_name - 1) >= sizeof(name))
			continue;
		memcpy(name, de->d_name + 1, (size_t)(tag - de->d_name - 1));
		name[tag - de->d_name - 1] = '\0';
		if (renameat(dirfd(d), de->d_name, dirfd(d), name) == 0)
			moved++;
	}
	if (depth > 0) {
		rewinddir(d);
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.') {
				int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

				if (sub != -1) {
					moved += recover_in(sub, pid, 0);
					close(sub);
				}
			}
	}
	closedir(d);
	return moved;
}

int
dropin_recover(struct spool *s, pid_t pid)
{
	return recover_in(s->dir_fd[SPOOL_INCOMING], pid, 1);
}
