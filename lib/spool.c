/*
 * spool: see spool.h.
 *
 * Only the rename into new/ (an acknowledged upload) and the one into
 * failed/ are followed by an fsync of the directory.  The other moves may
 * be undone by a crash, which puts a file back one step: a job found in
 * new/ again is run again, and the job's row in PostgreSQL, finished at
 * most once, is what keeps it from being done twice.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lib/direct_write.h"
#include "lib/imagetype.h"
#include "lib/spool.h"

#define HEADER_MAGIC	"quill-spool 1\n"

static const char *const dir_names[SPOOL_NDIRS] = {
	"tmp", "new", "cur", "done", "failed", "incoming"
};

const char *
spool_dir_name(enum spool_dir d)
{
	return d < SPOOL_NDIRS ? dir_names[d] : "?";
}

#define DROPIN_CLAIM_TAG	".quill-"
#define DROPIN_OWNERS		"dropin-owners"

struct spool {
	int root_fd;
	int dir_fd[SPOOL_NDIRS];
	int visiting;			/* the directory of the drop-in in hand, during a scan */
	char path[PATH_MAX];
	char host[64];			/* for tmp/ names; no '.' or '/' */
	struct direct_stage stage;	/* spool_deliver's writes */
};

struct spool *
spool_open(const char *path, char *err, size_t errsize)
{
	struct spool *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errsize, "cannot open spool %s: %s", path, strerror(errno));
		return NULL;
	}
	for (int i = 0; i < SPOOL_NDIRS; i++)
		s->dir_fd[i] = -1;
	s->visiting = -1;
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (gethostname(s->host, sizeof(s->host)) != 0 || s->host[0] == '\0')
		strcpy(s->host, "localhost");
	s->host[sizeof(s->host) - 1] = '\0';
	for (char *p = s->host; *p != '\0'; p++)
		if (*p == '.' || *p == '/')
			*p = '_';
	if ((s->root_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errsize, "cannot open spool %s: %s", path, strerror(errno));
		free(s);
		return NULL;
	}
	for (int i = 0; i < SPOOL_NDIRS; i++) {
		/* incoming/ as Postfix's maildrop: others may write, not list (spool/README) */
		mode_t mode = i == SPOOL_INCOMING ? 01730 : 0750;

		if (mkdirat(s->root_fd, dir_names[i], mode) != 0 && errno != EEXIST) {
			snprintf(err, errsize, "cannot create %s/%s: %s", path, dir_names[i], strerror(errno));
			break;
		}
		if ((s->dir_fd[i] = openat(s->root_fd, dir_names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
			snprintf(err, errsize, "cannot open %s/%s: %s", path, dir_names[i], strerror(errno));
			break;
		}
	}
	if (s->dir_fd[SPOOL_NDIRS - 1] == -1) {
		spool_close(s);
		return NULL;
	}
	return s;
}

void
spool_close(struct spool *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < SPOOL_NDIRS; i++)
		if (s->dir_fd[i] != -1)
			close(s->dir_fd[i]);
	if (s->root_fd != -1)
		close(s->root_fd);
	direct_stage_free(&s->stage);
	free(s);
}

/* --- the header --- */

/* Appends "key value\n" with value's control bytes, spaces and '%' as %XX. */
static int
put_line(char *buf, size_t size, size_t *at, const char *key, const char *value)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = *at;
	int k = snprintf(buf + n, size - n, "%s ", key);

	if (k < 0 || (size_t)k >= size - n)
		return -1;
	n += (size_t)k;
	for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
		if (n + 4 >= size)
			return -1;
		if (*p <= ' ' || *p == '%' || *p == 0x7f) {
			buf[n++] = '%';
			buf[n++] = hex[*p >> 4];
			buf[n++] = hex[*p & 15];
		} else {
			buf[n++] = (char)*p;
		}
	}
	buf[n++] = '\n';
	*at = n;
	return 0;
}

int
spool_header_format(const struct spool_meta *m, char *buf, size_t size)
{
	char num[24];
	size_t n = strlen(HEADER_MAGIC);

	if (size <= n)
		return -1;
	memcpy(buf, HEADER_MAGIC, n);
	if (put_line(buf, size, &n, "job", m->job_id) != 0 ||
	    put_line(buf, size, &n, "user", m->user_id) != 0 ||
	    put_line(buf, size, &n, "type", m->type) != 0)
		return -1;
	snprintf(num, sizeof(num), "%" PRIu64, m->size);
	if (put_line(buf, size, &n, "size", num) != 0 ||
	    put_line(buf, size, &n, "sha256", m->sha256) != 0 ||
	    put_line(buf, size, &n, "source", m->source) != 0)
		return -1;
	snprintf(num, sizeof(num), "%" PRId64, m->created_us);
	if (put_line(buf, size, &n, "created", num) != 0)
		return -1;
	if (m->filename[0] != '\0' && put_line(buf, size, &n, "filename", m->filename) != 0)
		return -1;
	if (m->idempotency_key[0] != '\0' && put_line(buf, size, &n, "key", m->idempotency_key) != 0)
		return -1;
	if (m->languages[0] != '\0' && put_line(buf, size, &n, "languages", m->languages) != 0)
		return -1;
	if (n + 1 >= size)
		return -1;
	buf[n++] = '\n';
	return (int)n;
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes value (len bytes, %XX escapes) into out; -1 when bad or over outsize - 1. */
static int
get_value(const char *value, size_t len, char *out, size_t outsize)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)value[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len || (hi = hex_value(value[i + 1])) < 0 ||
			    (lo = hex_value(value[i + 2])) < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == '\0' || n + 1 >= outsize)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

static int
get_number(const char *value, size_t len, int64_t *out)
{
	int64_t v = 0;

	if (len == 0 || len > 18)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (value[i] < '0' || value[i] > '9')
			return -1;
		v = v * 10 + (value[i] - '0');
	}
	*out = v;
	return 0;
}

static bool
word_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

static bool
sha_ok(const char *s)
{
	size_t n = strlen(s);

	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int
spool_header_parse(const char *buf, size_t len, struct spool_meta *m)
{
	size_t magic = strlen(HEADER_MAGIC), at;
	unsigned seen = 0;
	bool ended = false;
	int64_t v = 0;

	memset(m, 0, sizeof(*m));
	if (len > SPOOL_HEADER_MAX)
		len = SPOOL_HEADER_MAX;
	if (len < magic || memcmp(buf, HEADER_MAGIC, magic) != 0)
		return -1;
	for (at = magic; at < len;) {
		const char *line = buf + at, *nl = memchr(line, '\n', len - at), *sp;
		size_t llen, klen, vlen;
		unsigned bit = 0;	/* the key's, once it is known */
		int bad = 0;

		if (nl == NULL)
			return -1;
		llen = (size_t)(nl - line);
		at += llen + 1;
		if (llen == 0) {
			ended = true;
			break;
		}
		if ((sp = memchr(line, ' ', llen)) == NULL)
			return -1;
		klen = (size_t)(sp - line);
		vlen = llen - klen - 1;
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(line, k, klen) == 0)
		if (KEY("job")) {
			bad = get_value(sp + 1, vlen, m->job_id, sizeof(m->job_id)) != 0 ||
			    !uuid_valid(m->job_id, strlen(m->job_id));
			bit = 1;
		} else if (KEY("user")) {
			bad = get_value(sp + 1, vlen, m->user_id, sizeof(m->user_id)) != 0 ||
			    !uuid_valid(m->user_id, strlen(m->user_id));
			bit = 2;
		} else if (KEY("type")) {
			bad = get_value(sp + 1, vlen, m->type, sizeof(m->type)) != 0 || !word_ok(m->type);
			bit = 4;
		} else if (KEY("size")) {
			bad = get_number(sp + 1, vlen, &v) != 0;
			m->size = (uint64_t)v;
			bit = 8;
		} else if (KEY("sha256")) {
			bad = get_value(sp + 1, vlen, m->sha256, sizeof(m->sha256)) != 0 || !sha_ok(m->sha256);
			bit = 16;
		} else if (KEY("source")) {
			bad = get_value(sp + 1, vlen, m->source, sizeof(m->source)) != 0 || !word_ok(m->source);
			bit = 32;
		} else if (KEY("created")) {
			bad = get_number(sp + 1, vlen, &m->created_us) != 0;
			bit = 64;
		} else if (KEY("filename")) {
			bad = get_value(sp + 1, vlen, m->filename, sizeof(m->filename)) != 0;
			bit = 128;
		} else if (KEY("key")) {
			bad = get_value(sp + 1, vlen, m->idempotency_key, sizeof(m->idempotency_key)) != 0;
			bit = 256;
		} else if (KEY("languages")) {
			bad = get_value(sp + 1, vlen, m->languages, sizeof(m->languages)) != 0 ||
			    !ocr_languages_valid(m->languages, strlen(m->languages));
			bit = 512;
		}
		/* other keys: written by a newer version, not needed here */
#undef KEY
		/* A key given twice is refused: which of the two counts would be a guess. */
		if (bad || (seen & bit) != 0)
			return -1;
		seen |= bit;
	}
	if (!ended || (seen & 127) != 127)	/* filename, key and languages may be absent */
		return -1;
	return (int)at;
}

/* --- writing --- */

/*
 * OpenSSL's SHA-256 uses the CPU's SHA instructions: a megabyte in about
 * 0.6 ms here, against 3.5 ms for libsodium's portable one, and every
 * upload is hashed before its 202.
 */
int
spool_sha256(const void *data, size_t len, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[64] = '\0';
	return 0;
}

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len > (1 << 30) ? (1 << 30) : len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
spool_deliver(struct spool *s, struct spool_meta *m, const void *data, size_t len)
{
	char header[SPOOL_HEADER_MAX], name[SPOOL_NAME_MAX];
	struct iovec parts[2];
	int fd, hlen, saved;

	if (spool_sha256(data, len, m->sha256) != 0) {
		errno = ENOMEM;
		return -1;
	}
	m->size = len;
	if ((hlen = spool_header_format(m, header, sizeof(header))) < 0) {
		errno = EINVAL;
		return -1;
	}
	snprintf(name, sizeof(name), "%s.%ld.%s", m->job_id, (long)getpid(), s->host);
	if ((fd = openat(s->dir_fd[SPOOL_TMP], name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) == -1)
		return -1;
	parts[0] = (struct iovec){ .iov_base = header, .iov_len = (size_t)hlen };
	parts[1] = (struct iovec){ .iov_base = (void *)data, .iov_len = len };
	if (direct_write(&s->stage, fd, parts, 2) != 0 || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		unlinkat(s->dir_fd[SPOOL_TMP], name, 0);
		errno = saved;
		return -1;
	}
	if (close(fd) != 0 || renameat(s->dir_fd[SPOOL_TMP], name, s->dir_fd[SPOOL_NEW], m->job_id) != 0) {
		saved = errno;
		unlinkat(s->dir_fd[SPOOL_TMP], name, 0);
		errno = saved;
		return -1;
	}
	/* the rename is what the 202 promises: make it durable */
	if (fsync(s->dir_fd[SPOOL_NEW]) != 0)
		return -1;
	return 0;
}

/* --- moving --- */

int
spool_name_parse(enum spool_dir dir, const char *name, char job[UUID_STR_LEN + 1], pid_t *pid)
{
	size_t len = strlen(name);
	const char *p = name + UUID_STR_LEN;
	long v = 0;

	*pid = 0;
	if (len < UUID_STR_LEN || len >= SPOOL_NAME_MAX || !uuid_valid(name, UUID_STR_LEN))
		return -1;
	memcpy(job, name, UUID_STR_LEN);
	job[UUID_STR_LEN] = '\0';
	switch (dir) {
	case SPOOL_NEW:
	case SPOOL_DONE:
	case SPOOL_FAILED:
		return *p == '\0' ? 0 : -1;
	case SPOOL_CUR:
	case SPOOL_TMP:
		if (*p++ != '.' || *p < '1' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++) {
			v = v * 10 + (*p - '0');
			if (v > 0x3fffffff)
				return -1;
		}
		*pid = (pid_t)v;
		if (dir == SPOOL_CUR)
			return *p == '\0' ? 0 : -1;
		return *p == '.' && p[1] != '\0' && strchr(p + 1, '/') == NULL ? 0 : -1;
	default:
		return -1;
	}
}

int
spool_claim(struct spool *s, const char *job, pid_t pid, char cur_name[SPOOL_NAME_MAX])
{
	snprintf(cur_name, SPOOL_NAME_MAX, "%s.%ld", job, (long)pid);
	if (renameat(s->dir_fd[SPOOL_NEW], job, s->dir_fd[SPOOL_CUR], cur_name) == 0)
		return 0;
	return errno == ENOENT ? 1 : -1;
}

static int
move_claimed(struct spool *s, const char *cur_name, enum spool_dir to)
{
	char job[UUID_STR_LEN + 1];
	pid_t pid;

	if (spool_name_parse(SPOOL_CUR, cur_name, job, &pid) != 0) {
		errno = EINVAL;
		return -1;
	}
	return renameat(s->dir_fd[SPOOL_CUR], cur_name, s->dir_fd[to], job);
}

int
spool_requeue(struct spool *s, const char *cur_name)
{
	return move_claimed(s, cur_name, SPOOL_NEW);
}

int
spool_requeue_at(struct spool *s, const char *cur_name, time_t not_before)
{
	/* set while still in cur/: once in new/ another worker could take it at once */
	struct timespec times[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = not_before } };

	if (utimensat(s->dir_fd[SPOOL_CUR], cur_name, times, 0) != 0)
		return -1;
	return move_claimed(s, cur_name, SPOOL_NEW);
}

int
spool_finish(struct spool *s, const char *cur_name)
{
	return move_claimed(s, cur_name, SPOOL_DONE);
}

int
spool_fail(struct spool *s, const char *cur_name, const char *reason)
{
	char job[UUID_STR_LEN + 1], name[SPOOL_NAME_MAX];
	pid_t pid;
	int fd, rc;

	if (spool_name_parse(SPOOL_CUR, cur_name, job, &pid) != 0) {
		errno = EINVAL;
		return -1;
	}
	snprintf(name, sizeof(name), "%s.reason", job);
	if ((fd = openat(s->dir_fd[SPOOL_FAILED], name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) == -1)
		return -1;
	rc = write_all(fd, reason, strlen(reason)) == 0 && write_all(fd, "\n", 1) == 0 ? fsync(fd) : -1;
	if (close(fd) != 0 || rc != 0)
		return -1;
	if (renameat(s->dir_fd[SPOOL_CUR], cur_name, s->dir_fd[SPOOL_FAILED], job) != 0)
		return -1;
	return fsync(s->dir_fd[SPOOL_FAILED]);
}

/*
 * Opens parent/name for reading its entries ("." for parent itself, with
 * its own position, so a kept descriptor is never disturbed); a symbolic
 * link is not followed.  NULL with errno on failure.
 */
static DIR *
spool_opendir(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d;

	if (fd == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return d;
}

static DIR *
scan_open(struct spool *s, enum spool_dir dir)
{
	return spool_opendir(s->dir_fd[dir], ".");
}

/*
 * The next job waiting in a scan of new/ (scan_open(s, SPOOL_NEW)): its id
 * and its stat, as spool_next() and spool_waiting() both see a job.  Other
 * names, and anything that is not a regular file (links not followed), are
 * passed over.  false at the end of the directory.
 */
static bool
next_waiting(DIR *d, char job[UUID_STR_LEN + 1], struct stat *st)
{
	struct dirent *de;
	pid_t pid;

	while ((de = readdir(d)) != NULL)
		if (spool_name_parse(SPOOL_NEW, de->d_name, job, &pid) == 0 &&
		    fstatat(dirfd(d), de->d_name, st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st->st_mode))
			return true;
	return false;
}

int
spool_next(struct spool *s, time_t now, char job[UUID_STR_LEN + 1])
{
	DIR *d = scan_open(s, SPOOL_NEW);
	struct timespec best = { 0 };
	char id[UUID_STR_LEN + 1];
	struct stat st;
	int found = 1;

	if (d == NULL)
		return -1;
	while (next_waiting(d, id, &st)) {
		if (st.st_mtim.tv_sec > now)
			continue;
		if (found == 1 || st.st_mtim.tv_sec < best.tv_sec ||
		    (st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec < best.tv_nsec)) {
			best = st.st_mtim;
			memcpy(job, id, sizeof(id));
			found = 0;
		}
	}
	closedir(d);
	return found;
}

int
spool_recover(struct spool *s, pid_t pid)
{
	DIR *d = scan_open(s, SPOOL_CUR);
	struct dirent *de;
	int moved = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char job[UUID_STR_LEN + 1];
		pid_t owner;

		if (spool_name_parse(SPOOL_CUR, de->d_name, job, &owner) != 0)
			continue;
		if (pid != 0 && owner != pid)
			continue;
		if (renameat(s->dir_fd[SPOOL_CUR], de->d_name, s->dir_fd[SPOOL_NEW], job) == 0)
			moved++;
	}
	closedir(d);
	return moved;
}

static long
count_in(int dir, bool skip_reason, int depth)
{
	DIR *d = spool_opendir(dir, ".");
	struct dirent *de;
	long n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (skip_reason && len > 7 && strcmp(de->d_name + len - 7, ".reason") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			n++;
		} else if (S_ISDIR(st.st_mode) && depth > 0) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			long k = sub == -1 ? 0 : count_in(sub, skip_reason, depth - 1);

			if (sub != -1)
				close(sub);
			if (k > 0)
				n += k;
		}
	}
	closedir(d);
	return n;
}

long
spool_count(struct spool *s, enum spool_dir dir)
{
	if (dir >= SPOOL_NDIRS)
		return -1;
	return count_in(s->dir_fd[dir], dir == SPOOL_FAILED, dir == SPOOL_INCOMING ? 1 : 0);
}

int
spool_expire(struct spool *s, enum spool_dir dir, int64_t max_age_s)
{
	DIR *d = scan_open(s, dir);
	struct dirent *de;
	time_t now = time(NULL);
	int removed = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.' ||
		    fstatat(s->dir_fd[dir], de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || (int64_t)(now - st.st_mtime) <= max_age_s)
			continue;
		if (unlinkat(s->dir_fd[dir], de->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

/* --- a job's files, wherever they are --- */

int
spool_drop(struct spool *s, const char *cur_name)
{
	char job[UUID_STR_LEN + 1];
	pid_t pid;

	if (spool_name_parse(SPOOL_CUR, cur_name, job, &pid) != 0) {
		errno = EINVAL;
		return -1;
	}
	return unlinkat(s->dir_fd[SPOOL_CUR], cur_name, 0);
}

/* 1 removed, 0 not there, -1 with errno. */
static int
remove_at(int dir, const char *name)
{
	if (unlinkat(dir, name, 0) == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

static bool
job_ok(const char *job)
{
	return strlen(job) == UUID_STR_LEN && uuid_valid(job, UUID_STR_LEN);
}

int
spool_remove(struct spool *s, const char *job)
{
	static const enum spool_dir at_rest[] = { SPOOL_NEW, SPOOL_DONE, SPOOL_FAILED };
	char reason[SPOOL_NAME_MAX];
	int n = 0, k;

	if (!job_ok(job)) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < sizeof(at_rest) / sizeof(at_rest[0]); i++) {
		if ((k = remove_at(s->dir_fd[at_rest[i]], job)) < 0)
			return -1;
		n += k;
	}
	snprintf(reason, sizeof(reason), "%s.reason", job);
	if ((k = remove_at(s->dir_fd[SPOOL_FAILED], reason)) < 0)
		return -1;
	return n + k;
}

int
spool_reason(struct spool *s, const char *job, char *buf, size_t size)
{
	char name[SPOOL_NAME_MAX];
	ssize_t n;
	int fd;

	if (!job_ok(job) || size == 0) {
		errno = EINVAL;
		return -1;
	}
	snprintf(name, sizeof(name), "%s.reason", job);
	if ((fd = openat(s->dir_fd[SPOOL_FAILED], name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int
spool_reason_remove(struct spool *s, const char *job)
{
	char name[SPOOL_NAME_MAX];

	if (!job_ok(job)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(name, sizeof(name), "%s.reason", job);
	return remove_at(s->dir_fd[SPOOL_FAILED], name) < 0 ? -1 : 0;
}

int
spool_locate(struct spool *s, const char *job, void (*found)(void *arg, const char *where), void *arg)
{
	char where[16 + 256];
	int n = 0;

	for (int d = SPOOL_TMP; d < SPOOL_INCOMING; d++) {
		struct stat st;

		if (d == SPOOL_TMP || d == SPOOL_CUR) {
			DIR *dir = scan_open(s, (enum spool_dir)d);
			struct dirent *de;
			char id[UUID_STR_LEN + 1];
			pid_t pid;

			if (dir == NULL)
				return -1;
			while ((de = readdir(dir)) != NULL)
				if (spool_name_parse((enum spool_dir)d, de->d_name, id, &pid) == 0 && strcmp(id, job) == 0) {
					snprintf(where, sizeof(where), "%s/%s", dir_names[d], de->d_name);
					found(arg, where);
					n++;
				}
			closedir(dir);
		} else if (fstatat(s->dir_fd[d], job, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
			snprintf(where, sizeof(where), "%s/%s", dir_names[d], job);
			found(arg, where);
			n++;
		}
	}
	return n;
}

int
spool_requeue_from(struct spool *s, enum spool_dir from, const char *job)
{
	int saved;

	if ((from != SPOOL_DONE && from != SPOOL_FAILED) || !job_ok(job)) {
		errno = EINVAL;
		return -1;
	}
	if (utimensat(s->dir_fd[from], job, NULL, AT_SYMLINK_NOFOLLOW) != 0 ||
	    renameat(s->dir_fd[from], job, s->dir_fd[SPOOL_NEW], job) != 0)
		return -1;
	if (fsync(s->dir_fd[SPOOL_NEW]) != 0) {
		saved = errno;
		renameat(s->dir_fd[SPOOL_NEW], job, s->dir_fd[from], job);
		errno = saved;
		return -1;
	}
	return 0;
}

int
spool_unrequeue(struct spool *s, enum spool_dir to, const char *job)
{
	if ((to != SPOOL_DONE && to != SPOOL_FAILED) || !job_ok(job)) {
		errno = EINVAL;
		return -1;
	}
	return renameat(s->dir_fd[SPOOL_NEW], job, s->dir_fd[to], job);
}

int
spool_waiting(struct spool *s, time_t now, struct spool_waiting *w)
{
	DIR *d = scan_open(s, SPOOL_NEW);
	char job[UUID_STR_LEN + 1];
	struct stat st;

	memset(w, 0, sizeof(*w));
	if (d == NULL)
		return -1;
	while (next_waiting(d, job, &st)) {
		if (st.st_mtime > now)
			w->deferred++;
		if (!w->any || st.st_mtime < w->oldest)
			w->oldest = st.st_mtime;
		w->any = true;
	}
	closedir(d);
	return 0;
}

int
spool_watch(struct spool *s, int inotify_fd)
{
	uint32_t mask = IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_ATTRIB;
	char path[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", s->path, dir_names[SPOOL_NEW]);
	if (inotify_add_watch(inotify_fd, path, IN_MOVED_TO | IN_ATTRIB) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", s->path, dir_names[SPOOL_INCOMING]);
	if (inotify_add_watch(inotify_fd, path, mask) == -1)
		return -1;
	if ((d = scan_open(s, SPOOL_INCOMING)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && de->d_type == DT_DIR) {
			snprintf(path, sizeof(path), "%s/%s/%s", s->path, dir_names[SPOOL_INCOMING], de->d_name);
			inotify_add_watch(inotify_fd, path, mask | IN_DONT_FOLLOW);
		}
	closedir(d);
	return 0;
}

/* --- drop-ins --- */

/* Puts back ".<name>.quill-<pid>" as "<name>" in dir and, depth 1, in its directories. */
static int
recover_dropins_in(int dir, pid_t pid, int depth)
{
	DIR *d = spool_opendir(dir, ".");
	struct dirent *de;
	int moved = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		const char *tag = strstr(de->d_name, DROPIN_CLAIM_TAG);
		char *end, name[256];
		long owner;

		if (de->d_name[0] != '.' || tag == NULL)
			continue;
		owner = strtol(tag + strlen(DROPIN_CLAIM_TAG), &end, 10);
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
					moved += recover_dropins_in(sub, pid, 0);
					close(sub);
				}
			}
	}
	closedir(d);
	return moved;
}

/* Visits the entries of one directory of incoming/; true when visit took one. */
static bool
dropin_visit_dir(struct spool *s, int fd, struct spool_dropin *d, bool (*visit)(void *, struct spool_dropin *),
    void *arg, int depth)
{
	DIR *dir = spool_opendir(fd, ".");
	struct dirent *de;
	bool took = false;

	if (dir == NULL)
		return false;
	while (!took && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(d->name) ||
		    fstatat(dirfd(dir), de->d_name, &d->st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISDIR(d->st.st_mode)) {
			struct spool_dropin sub;
			int subfd;

			if (depth == 0)
				continue;	/* incoming/<dir>/<dir>/: not looked into */
			memset(&sub, 0, sizeof(sub));
			snprintf(sub.dir, sizeof(sub.dir), "%s", de->d_name);
			sub.dir_st = d->st;
			if ((subfd = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1)
				continue;
			took = dropin_visit_dir(s, subfd, &sub, visit, arg, depth - 1);
			close(subfd);
			continue;
		}
		snprintf(d->name, sizeof(d->name), "%s", de->d_name);
		d->claimed = false;
		s->visiting = fd;
		took = visit(arg, d);
		s->visiting = -1;
	}
	closedir(dir);
	return took;
}

bool
spool_dropin_scan(struct spool *s, bool (*visit)(void *arg, struct spool_dropin *d), void *arg)
{
	struct spool_dropin top;

	memset(&top, 0, sizeof(top));
	if (fstat(s->dir_fd[SPOOL_INCOMING], &top.dir_st) != 0)
		return false;
	return dropin_visit_dir(s, s->dir_fd[SPOOL_INCOMING], &top, visit, arg, 1);
}

int
spool_dropin_claim(struct spool *s, struct spool_dropin *d, pid_t pid)
{
	struct stat st;

	if (s->visiting == -1 || d->claimed) {
		errno = EINVAL;
		return -1;
	}
	snprintf(d->claimed_name, sizeof(d->claimed_name), ".%s" DROPIN_CLAIM_TAG "%ld", d->name, (long)pid);
	if (renameat(s->visiting, d->name, s->visiting, d->claimed_name) != 0)
		return errno == ENOENT ? 1 : -1;
	d->claimed = true;
	/* written to since it was looked at: a writer still has it open */
	if (fstatat(s->visiting, d->claimed_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_ino != d->st.st_ino ||
	    st.st_size != d->st.st_size || st.st_mtim.tv_sec != d->st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != d->st.st_mtim.tv_nsec) {
		spool_dropin_release(s, d);
		return 1;
	}
	return 0;
}

int
spool_dropin_release(struct spool *s, struct spool_dropin *d)
{
	if (s->visiting == -1 || !d->claimed) {
		errno = EINVAL;
		return -1;
	}
	if (renameat(s->visiting, d->claimed_name, s->visiting, d->name) != 0)
		return -1;
	d->claimed = false;
	return 0;
}

int
spool_dropin_remove(struct spool *s, struct spool_dropin *d)
{
	if (s->visiting == -1) {
		errno = EINVAL;
		return -1;
	}
	return unlinkat(s->visiting, d->claimed ? d->claimed_name : d->name, 0);
}

int
spool_dropin_refuse(struct spool *s, struct spool_dropin *d, const char *job, const char *reason)
{
	char cur[SPOOL_NAME_MAX];

	if (s->visiting == -1 || !d->claimed || !job_ok(job)) {
		errno = EINVAL;
		return -1;
	}
	/* through cur/, so spool_fail writes the reason before the file arrives */
	snprintf(cur, sizeof(cur), "%s.%ld", job, (long)getpid());
	if (renameat(s->visiting, d->claimed_name, s->dir_fd[SPOOL_CUR], cur) != 0)
		return -1;
	d->claimed = false;
	return spool_fail(s, cur, reason);
}

enum spool_read
spool_dropin_read(struct spool *s, const struct spool_dropin *d, size_t max, void **data, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	size_t have = 0, cap;
	int fd, saved;

	*data = NULL;
	*len = 0;
	if (s->visiting == -1 || !d->claimed) {
		errno = EINVAL;
		return SPOOL_READ_ERROR;
	}
	fd = openat(s->visiting, d->claimed_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return errno == ELOOP ? SPOOL_READ_NOT_REGULAR : SPOOL_READ_ERROR;
	if (fstat(fd, &st) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return SPOOL_READ_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return SPOOL_READ_NOT_REGULAR;
	}
	/* another file swapped in, or this one cut or grown since the claim */
	if (st.st_dev != d->st.st_dev || st.st_ino != d->st.st_ino || st.st_size != d->st.st_size) {
		close(fd);
		return (uint64_t)st.st_size > max ? SPOOL_READ_TOO_BIG : SPOOL_READ_CHANGED;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return SPOOL_READ_TOO_BIG;
	}
	/* one byte more than the size said, to see a file that grew */
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL) {
		close(fd);
		return SPOOL_READ_ERROR;
	}
	for (;;) {
		ssize_t n = read(fd, buf + have, cap - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			free(buf);
			close(fd);
			errno = saved;
			return SPOOL_READ_ERROR;
		}
		if (n == 0 || (have += (size_t)n) == cap)
			break;
	}
	close(fd);
	if (have != (size_t)st.st_size) {
		free(buf);
		return have > max ? SPOOL_READ_TOO_BIG : SPOOL_READ_CHANGED;
	}
	*data = buf;
	*len = have;
	return SPOOL_READ_OK;
}

int
spool_recover_dropins(struct spool *s, pid_t pid)
{
	return recover_dropins_in(s->dir_fd[SPOOL_INCOMING], pid, 1);
}

/*
 * The drop-in owners' record: "<uid> <user id> <unix name>" a line, in
 * the spool's own directory (not in incoming/, where the drop-in group
 * writes), replaced whole by a rename.
 */
struct owner_line {
	long uid;
	char user_id[UUID_STR_LEN + 1];
	char unix_name[64];
};

/* Reads the record into lines (at most max); how many, or -1. */
static int
owners_read(struct spool *s, struct owner_line *lines, int max)
{
	int fd = openat(s->root_fd, DROPIN_OWNERS, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	char buf[65536], *p, *nl;
	ssize_t n;
	int count = 0;

	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	for (p = buf; *p != '\0' && count < max; p = nl + 1) {
		struct owner_line *l = &lines[count];

		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (sscanf(p, "%ld %36s %63s", &l->uid, l->user_id, l->unix_name) == 3 && l->uid > 0 &&
		    uuid_valid(l->user_id, strlen(l->user_id)))
			count++;
	}
	return count;
}

static int
owners_write(struct spool *s, const struct owner_line *lines, int count)
{
	char text[65536];
	size_t n = 0;
	struct stat st;
	int fd, rc;

	for (int i = 0; i < count; i++) {
		int k = snprintf(text + n, sizeof(text) - n, "%ld %s %s\n", lines[i].uid, lines[i].user_id,
		    lines[i].unix_name);

		if (k < 0 || (size_t)k >= sizeof(text) - n) {
			errno = EFBIG;
			return -1;
		}
		n += (size_t)k;
	}
	if ((fd = openat(s->root_fd, DROPIN_OWNERS ".new", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0640)) == -1)
		return -1;
	/* the daemons' own, as new/ is: the drop-in group never reads it */
	rc = write_all(fd, text, n);
	if (rc == 0 && fstat(s->dir_fd[SPOOL_NEW], &st) == 0 && geteuid() == 0)
		rc = fchown(fd, st.st_uid, st.st_gid);
	if (rc == 0)
		rc = fsync(fd);
	if (close(fd) != 0 || rc != 0 ||
	    renameat(s->root_fd, DROPIN_OWNERS ".new", s->root_fd, DROPIN_OWNERS) != 0) {
		unlinkat(s->root_fd, DROPIN_OWNERS ".new", 0);
		return -1;
	}
	return fsync(s->root_fd);
}

#define OWNERS_MAX	512

static bool
unix_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= 64 || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '_' || name[i] == '-' || name[i] == '.'))
			return false;
	return true;
}

int
spool_dropin_allow(struct spool *s, uid_t uid, const char *unix_name, const char *user_id)
{
	static struct owner_line lines[OWNERS_MAX];
	struct stat daemons, st;
	int count, i, fd, saved;

	if (uid == 0 || !unix_name_ok(unix_name) || !uuid_valid(user_id, strlen(user_id))) {
		errno = EINVAL;
		return -1;
	}
	if ((count = owners_read(s, lines, OWNERS_MAX)) < 0 || fstat(s->dir_fd[SPOOL_NEW], &daemons) != 0)
		return -1;
	/* the directory first: a record without its directory would lead nowhere */
	if (mkdirat(s->dir_fd[SPOOL_INCOMING], unix_name, 0700) != 0 && errno != EEXIST)
		return -1;
	if ((fd = openat(s->dir_fd[SPOOL_INCOMING], unix_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	if (fstat(fd, &st) != 0)
		goto fail;
	/* made by someone else first (another drop-in user squatting the name): not given away */
	if (st.st_uid != uid && st.st_uid != daemons.st_uid && st.st_uid != 0) {
		errno = EEXIST;
		goto fail;
	}
	if (fchown(fd, uid, daemons.st_gid) != 0 || fchmod(fd, 02770) != 0)
		goto fail;
	close(fd);
	for (i = 0; i < count && lines[i].uid != (long)uid; i++)
		;
	if (i == count) {
		if (count == OWNERS_MAX) {
			errno = ENOSPC;
			return -1;
		}
		count++;
	}
	lines[i].uid = (long)uid;
	(void)uuid_canonical(user_id, strlen(user_id), lines[i].user_id);	/* checked above */
	snprintf(lines[i].unix_name, sizeof(lines[i].unix_name), "%s", unix_name);
	return owners_write(s, lines, count);
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
spool_dropin_deny(struct spool *s, uid_t uid)
{
	static struct owner_line lines[OWNERS_MAX];
	int count, i;

	if ((count = owners_read(s, lines, OWNERS_MAX)) < 0)
		return -1;
	for (i = 0; i < count && lines[i].uid != (long)uid; i++)
		;
	if (i == count)
		return 1;
	memmove(&lines[i], &lines[i + 1], (size_t)(count - i - 1) * sizeof(lines[0]));
	return owners_write(s, lines, count - 1) == 0 ? 0 : -1;
}

int
spool_dropin_owner(struct spool *s, uid_t uid, char user_id[UUID_STR_LEN + 1], char unix_name[64])
{
	static struct owner_line lines[OWNERS_MAX];
	int count = owners_read(s, lines, OWNERS_MAX);

	if (count < 0)
		return -1;
	for (int i = 0; i < count; i++)
		if (lines[i].uid == (long)uid) {
			memcpy(user_id, lines[i].user_id, UUID_STR_LEN + 1);
			memcpy(unix_name, lines[i].unix_name, 64);
			return 0;
		}
	return 1;
}

/* --- reading --- */

/*
 * mmap is safe here, and only here: a spool file is written by quill
 * alone (quill-ocrd, or a worker copying a drop-in with read(2)), in
 * directories the drop-in group cannot enter, and never changed after
 * its rename into new/, so nobody can truncate it under the mapping.
 * A drop-in is never mapped (spool_dropin_read).
 */

int
spool_map(struct spool *s, enum spool_dir dir, const char *name, struct spool_file *f)
{
	struct stat st;
	int fd, hlen;

	memset(f, 0, sizeof(*f));
	if ((fd = openat(s->dir_fd[dir], name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	f->map_len = (size_t)st.st_size;
	f->map = mmap(NULL, f->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		return -1;
	}
	hlen = spool_header_parse(f->map, f->map_len, &f->meta);
	if (hlen < 0 || f->meta.size != f->map_len - (size_t)hlen) {
		spool_unmap(f);
		errno = EINVAL;
		return -1;
	}
	f->image = (const unsigned char *)f->map + hlen;
	return 0;
}

void
spool_unmap(struct spool_file *f)
{
	if (f->map != NULL)
		munmap(f->map, f->map_len);
	f->map = NULL;
	f->image = NULL;
}

/* --- notes on lost attempts --- */

static int
lost_name(const char *job, char name[SPOOL_NAME_MAX])
{
	if (job == NULL || strlen(job) != UUID_STR_LEN || !uuid_valid(job, UUID_STR_LEN)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(name, SPOOL_NAME_MAX, ".%s.lost", job);
	return 0;
}

int
spool_note_lost(struct spool *s, const char *job, const char *why)
{
	char name[SPOOL_NAME_MAX];
	size_t len = strcspn(why, "\n");
	int fd, rc;

	if (lost_name(job, name) != 0)
		return -1;
	if ((fd = openat(s->dir_fd[SPOOL_CUR], name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0640)) == -1)
		return -1;
	rc = write_all(fd, why, len) == 0 && write_all(fd, "\n", 1) == 0 ? 0 : -1;
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

int
spool_take_lost(struct spool *s, const char *job, char *buf, size_t size)
{
	char name[SPOOL_NAME_MAX];
	ssize_t n;
	int fd;

	if (size > 0)
		buf[0] = '\0';
	if (lost_name(job, name) != 0 || size == 0)
		return -1;
	if ((fd = openat(s->dir_fd[SPOOL_CUR], name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) == -1)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? (size_t)n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (unlinkat(s->dir_fd[SPOOL_CUR], name, 0) != 0 && errno != ENOENT)
		return -1;
	return 1;
}

int
spool_expire_lost(struct spool *s, int64_t max_age_s)
{
	DIR *d = scan_open(s, SPOOL_CUR);
	struct dirent *de;
	time_t now = time(NULL);
	int removed = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct stat st;

		if (len != 1 + UUID_STR_LEN + 5 || de->d_name[0] != '.' || strcmp(de->d_name + len - 5, ".lost") != 0 ||
		    fstatat(s->dir_fd[SPOOL_CUR], de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || (int64_t)(now - st.st_mtime) <= max_age_s)
			continue;
		if (unlinkat(s->dir_fd[SPOOL_CUR], de->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}
