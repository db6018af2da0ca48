/*
 * keys: `quillctl keys rotate` and `quillctl keys list`.
 *
 * A rotation, in order:
 * 1. read [auth] keys_dir: every "<kid>.key" with its mtime, oldest first;
 * 2. decide which old files stay (below), and refuse if more would stay
 *    than quill-authd loads, before anything is changed;
 * 3. write the new key as "<kid>.key.new" -- not a key name, so
 *    quill-authd never sees it half made -- hand it to [global] user when
 *    we run as root, set its mtime, and rename it to "<kid>.key";
 * 4. remove the files no longer needed;
 * 5. send SIGHUP to the running quill-authd, which re-reads the folder.
 *
 * When an old key may go: a key signs until the next newer one replaces
 * it, and a token it signed just before that verifies for at most
 * access_token_ttl + clock_leeway more.  So a key stays while its
 * successor is younger than that, and goes once it is older.  This
 * assumes quill-authd was reloaded at each rotation, which is why step 5
 * exists and why its failure is reported.
 *
 * quill-authd compares mtimes in whole seconds and the newest signs, so
 * the new file's mtime is set to a second later than every other file's
 * (now, unless a file claims the current second or the future): a quick
 * second rotation cannot leave two equally new keys.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/config.h"
#include "lib/jwt.h"
#include "bin/quillctl/keys.h"

#define KID_SIZE sizeof(((struct jwt_key *)0)->kid)

struct keyfile {
	char		 name[NAME_MAX + 1];	/* "<kid>.key" */
	struct timespec	 mtime;
	bool		 needed;		/* rotate: stays */
	time_t		 until;			/* rotate: may go after this */
};

struct keydir {
	struct keyfile	*k;
	size_t		 n, cap;
};

/* The same rule quill-authd loads by. */
static bool
is_key_name(const char *name)
{
	size_t len = strlen(name);

	return len > 4 && strcmp(name + len - 4, ".key") == 0 && name[0] != '.';
}

/* Length of the kid part of a key file name. */
static int
kid_len(const struct keyfile *k)
{
	return (int)strlen(k->name) - 4;
}

static const char *
rfc3339(time_t t, char buf[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "@%lld", (long long)t);
	return buf;
}

static int
keyfile_cmp(const void *a, const void *b)
{
	const struct keyfile *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int
keydir_add(struct keydir *kd, const char *name, const struct timespec *mtime)
{
	struct keyfile *k;

	if (kd->n == kd->cap) {
		size_t cap = kd->cap ? 2 * kd->cap : 16;

		if ((k = realloc(kd->k, cap * sizeof *k)) == NULL)
			return -1;
		kd->k = k;
		kd->cap = cap;
	}
	k = &kd->k[kd->n++];
	memset(k, 0, sizeof *k);
	snprintf(k->name, sizeof k->name, "%s", name);
	k->mtime = *mtime;
	return 0;
}

/*
 * Reads dir's key files into kd, oldest first; a missing dir has none.
 * Returns 0, or -1 after a message.
 */
static int
scan_keys(const char *dir, struct keydir *kd)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "quillctl: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!is_key_name(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) != 0) {
			if (errno == ENOENT)
				continue;	/* removed meanwhile */
			fprintf(stderr, "quillctl: %s/%s: %s\n", dir, de->d_name, strerror(errno));
			rc = -1;
		} else if (keydir_add(kd, de->d_name, &st.st_mtim) != 0) {
			fprintf(stderr, "quillctl: out of memory\n");
			rc = -1;
		}
	}
	closedir(d);
	if (rc == 0)
		qsort(kd->k, kd->n, sizeof *kd->k, keyfile_cmp);
	return rc;
}

/*
 * quill-authd reads its keys after dropping privileges to [global] user
 * (lib/daemon.c), and key files must be 0600: what root makes here must
 * belong to that user, as the files quill-authd makes itself do.  Without
 * that user quill-authd does not start as root at all, so there is
 * nobody to give the file to.  Returns 0, or -1 after a message.
 */
static int
give_to_daemon_user(const struct config *cfg, const char *path)
{
	const char *user = config_str(cfg, "global", "user");
	struct passwd *pw;

	if (geteuid() != 0 || user[0] == '\0' || (pw = getpwnam(user)) == NULL)
		return 0;
	if (chown(path, pw->pw_uid, pw->pw_gid) != 0) {
		fprintf(stderr, "quillctl: %s: cannot give it to user %s: %s\n", path, user,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
make_keys_dir(const struct config *cfg, const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return give_to_daemon_user(cfg, dir);
	if (errno != EEXIST) {
		fprintf(stderr, "quillctl: %s: cannot create: %s\n", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "quillctl: %s: not a directory ([auth] keys_dir)\n", dir);
		return -1;
	}
	return 0;
}

static int
fsync_dir(const char *dir)
{
	int fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Makes a key and puts it in place as dir/<kid>.key with mtime made_at
 * (step 3 above).  Writes the kid into kid.  Returns 0, or -1 after a
 * message, with nothing left behind.
 */
static int
write_key(const struct config *cfg, const char *dir, time_t made_at, char kid[KID_SIZE])
{
	const struct timespec times[2] = { { 0, UTIME_OMIT }, { made_at, 0 } };
	char path[PATH_MAX], tmp[PATH_MAX], why[256];
	struct jwt_key k;
	int rc;

	if (jwt_key_generate(&k) != 0) {
		fprintf(stderr, "quillctl: cannot generate a key\n");
		return -1;
	}
	snprintf(kid, KID_SIZE, "%s", k.kid);
	if ((size_t)snprintf(path, sizeof path, "%s/%s.key", dir, k.kid) >= sizeof path ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s.new", path) >= sizeof tmp) {
		fprintf(stderr, "quillctl: %s: path too long\n", dir);
		jwt_key_wipe(&k);
		return -1;
	}
	rc = jwt_key_save(&k, tmp, why, sizeof why);
	jwt_key_wipe(&k);
	if (rc != 0) {
		fprintf(stderr, "quillctl: %s: %s\n", tmp, why);
		return -1;
	}
	if (give_to_daemon_user(cfg, tmp) != 0)
		goto fail;
	if (utimensat(AT_FDCWD, tmp, times, 0) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "quillctl: %s: %s\n", tmp, strerror(errno));
		goto fail;
	}
	if (fsync_dir(dir) != 0) {
		/* the key is complete and in place; only its durability is in doubt */
		fprintf(stderr, "quillctl: %s: fsync: %s\n", dir, strerror(errno));
	}
	return 0;
fail:
	unlink(tmp);
	return -1;
}

static long long
age_ms(const struct timespec *now, const struct timespec *t)
{
	return (long long)(now->tv_sec - t->tv_sec) * 1000 + (now->tv_nsec - t->tv_nsec) / 1000000;
}

/*
 * Marks which of kd's keys stay once a key made at made_at follows the
 * newest (see the top of the file).  Returns how many stay.
 */
static size_t
plan_removals(struct keydir *kd, const struct timespec *now, time_t made_at, long long keep_ms)
{
	const struct timespec made = { made_at, 0 };
	const struct timespec *next;
	size_t i, kept = 0;

	for (i = 0; i < kd->n; i++) {
		next = i + 1 < kd->n ? &kd->k[i + 1].mtime : &made;
		kd->k[i].needed = age_ms(now, next) < keep_ms;
		kd->k[i].until = next->tv_sec + (time_t)((keep_ms + 999) / 1000);
		kept += kd->k[i].needed;
	}
	return kept;
}

/*
 * Step 4: 0, or -1 when a file could not be removed (after a message).
 * The newest old key is always kept (its successor is the new one), so
 * a removed key always has a successor in kd.
 */
static int
remove_old_keys(const char *dir, const struct keydir *kd)
{
	char path[PATH_MAX], when[32];
	int rc = 0;

	for (size_t i = 0; i < kd->n; i++) {
		const struct keyfile *k = &kd->k[i];

		if (k->needed) {
			printf("kept %.*s until %s (tokens it signed may still be valid)\n",
			    kid_len(k), k->name, rfc3339(k->until, when));
			continue;
		}
		snprintf(path, sizeof path, "%s/%s", dir, k->name);
		if (unlink(path) != 0 && errno != ENOENT) {
			fprintf(stderr, "quillctl: %s: cannot remove: %s\n", path, strerror(errno));
			rc = -1;
			continue;
		}
		printf("removed %.*s (replaced %s)\n", kid_len(k), k->name,
		    rfc3339(kd->k[i + 1].mtime.tv_sec, when));
	}
	return rc;
}

static int
authd_not_running(const char *pidfile, const char *kid)
{
	printf("quill-authd is not running (no live %s); "
	    "it must be reloaded or started to sign with %s\n", pidfile, kid);
	return 0;
}

/*
 * Whether pid runs the quill-authd program: /proc/PID/exe names a file
 * called quill-authd (" (deleted)" after an upgrade replaced it).  The
 * pid file belongs to the daemons' user, who could write any pid into
 * it while the master holds its lock; root must not send that pid a
 * signal.  Returns 1, or 0 after writing why into why.
 */
static int
runs_authd(long pid, char *why, size_t whysize)
{
	static const char deleted[] = " (deleted)";
	char link[64], exe[PATH_MAX];
	const char *base;
	ssize_t n;
	size_t len;

	snprintf(link, sizeof link, "/proc/%ld/exe", pid);
	if ((n = readlink(link, exe, sizeof exe - 1)) == -1) {
		snprintf(why, whysize, "cannot read %s: %s", link, strerror(errno));
		return 0;
	}
	exe[n] = '\0';
	len = (size_t)n;
	if (len > sizeof deleted - 1 && strcmp(exe + len - (sizeof deleted - 1), deleted) == 0)
		exe[len - (sizeof deleted - 1)] = '\0';
	base = strrchr(exe, '/') != NULL ? strrchr(exe, '/') + 1 : exe;
	if (strcmp(base, "quill-authd") != 0) {
		snprintf(why, whysize, "it runs %.200s, not quill-authd", exe);
		return 0;
	}
	return 1;
}

/*
 * Step 5.  The master holds a lock (flock) on its pid file for as long as
 * it lives, so a pid file we can lock ourselves is stale and its pid may
 * be anyone's by now: that one is never signalled, nor a pid that does
 * not run quill-authd.  Returns 0, or 1 after a message.
 */
static int
reload_authd(const struct config *cfg, const char *kid)
{
	char path[PATH_MAX], buf[32], why[300], *end;
	ssize_t n;
	long pid;
	int fd;

	if ((size_t)snprintf(path, sizeof path, "%s/quill-authd.pid",
	    config_str(cfg, "global", "run_dir")) >= sizeof path) {
		fprintf(stderr, "quillctl: [global] run_dir is too long\n");
		return 1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == ENOENT)
			return authd_not_running(path, kid);
		fprintf(stderr, "quillctl: %s: %s; reload quill-authd to sign with %s\n",
		    path, strerror(errno), kid);
		return 1;
	}
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		close(fd);
		return authd_not_running(path, kid);
	}
	if (errno != EWOULDBLOCK) {
		fprintf(stderr, "quillctl: %s: cannot lock: %s; reload quill-authd to sign with %s\n",
		    path, strerror(errno), kid);
		close(fd);
		return 1;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (n <= 0 || errno != 0 || pid <= 1 || pid > INT_MAX || (*end != '\n' && *end != '\0')) {
		fprintf(stderr, "quillctl: %s: no pid in it; reload quill-authd to sign with %s\n",
		    path, kid);
		return 1;
	}
	if (!runs_authd(pid, why, sizeof why)) {
		fprintf(stderr, "quillctl: %s names pid %ld, which is not quill-authd (%s); not signalled: "
		    "reload quill-authd to sign with %s\n", path, pid, why, kid);
		return 1;
	}
	if (kill((pid_t)pid, SIGHUP) != 0) {
		if (errno == ESRCH)
			return authd_not_running(path, kid);
		fprintf(stderr, "quillctl: cannot signal quill-authd (pid %ld): %s; "
		    "reload it to sign with %s\n", pid, strerror(errno), kid);
		return 1;
	}
	printf("sent SIGHUP to quill-authd (pid %ld) to sign with %s\n", pid, kid);
	return 0;
}

int
keys_rotate(const struct config *cfg)
{
	const char *dir = config_str(cfg, "auth", "keys_dir");
	long long keep_ms = config_duration_ms(cfg, "auth", "access_token_ttl") +
	    config_duration_ms(cfg, "auth", "clock_leeway");
	struct keydir kd = { 0 };
	struct timespec now;
	char kid[KID_SIZE], path[PATH_MAX], when[32];
	time_t made_at;
	size_t kept;
	int rc = 1;

	if (sodium_init() < 0) {
		fprintf(stderr, "quillctl: libsodium failed to initialise\n");
		return 1;
	}
	if (make_keys_dir(cfg, dir) != 0 || scan_keys(dir, &kd) != 0)
		goto out;
	clock_gettime(CLOCK_REALTIME, &now);
	made_at = now.tv_sec;
	if (kd.n > 0 && kd.k[kd.n - 1].mtime.tv_sec >= made_at)
		made_at = kd.k[kd.n - 1].mtime.tv_sec + 1;

	kept = plan_removals(&kd, &now, made_at, keep_ms);
	if (kept + 1 > JWT_MAX_KEYS) {
		for (size_t i = 0; i < kd.n; i++)
			if (kd.k[i].needed) {
				rfc3339(kd.k[i].until, when);
				break;
			}
		fprintf(stderr, "quillctl: %zu keys may still verify tokens and quill-authd loads "
		    "at most %d; rotate again after %s\n", kept, JWT_MAX_KEYS, when);
		goto out;
	}
	if (write_key(cfg, dir, made_at, kid) != 0)
		goto out;
	snprintf(path, sizeof path, "%s/%s.key", dir, kid);
	printf("made %s (%s)\n", kid, path);

	rc = remove_old_keys(dir, &kd) != 0;
	rc |= reload_authd(cfg, kid);
out:
	free(kd.k);
	return rc;
}

int
keys_list(const struct config *cfg)
{
	const char *dir = config_str(cfg, "auth", "keys_dir");
	struct keydir kd = { 0 };
	char when[32];
	int width = 0;
	size_t i;

	if (scan_keys(dir, &kd) != 0)
		return 1;
	if (kd.n == 0)
		printf("no keys in %s (quill-authd makes one when it starts)\n", dir);
	for (i = 0; i < kd.n; i++)
		if (kid_len(&kd.k[i]) > width)
			width = kid_len(&kd.k[i]);
	for (i = 0; i < kd.n; i++) {
		const struct keyfile *k = &kd.k[i];

		printf("%-*.*s  %s%s\n", width, kid_len(k), k->name, rfc3339(k->mtime.tv_sec, when),
		    i + 1 == kd.n ? "  signing" : "");
	}
	free(kd.k);
	return 0;
}
