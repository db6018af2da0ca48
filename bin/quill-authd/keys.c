/*
 * keys: signing keys of quill-authd, kept in one directory as
 * "<kid>.key" files written by lib/jwt (one line, mode 0600).
 *
 * On start the directory is read; when it holds no key, one is made, so a
 * new installation needs no step of its own.  The most recently modified
 * key signs; older ones stay in the public set so tokens they signed still
 * verify until their files are removed (rotation keeps them until every
 * such token has expired).  The master loads them again on SIGHUP, after
 * `quillctl keys rotate`; a load that fails keeps the keys it had.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/config.h"
#include "bin/quill-authd/keys.h"

static struct jwt_key signing;
static struct jwt_keyset public_keys;

/* What a load in progress has read; it replaces the above only when complete. */
static struct jwt_key next_signing;
static struct jwt_keyset next_public;

static int
is_key_name(const char *name)
{
	size_t len = strlen(name);

	return len > 4 && strcmp(name + len - 4, ".key") == 0 && name[0] != '.';
}

/* Loads one file; keeps it as the signing key when it is the newest so far. */
static int
load_one(const char *dir, const char *name, time_t *newest, char *err, size_t errsize)
{
	char path[4096], why[256];
	struct jwt_key k;
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		snprintf(err, errsize, "%s/%s: path too long", dir, name);
		return -1;
	}
	if (jwt_key_load(path, &k, why, sizeof(why)) != 0) {
		snprintf(err, errsize, "%s: %s", path, why);
		return -1;
	}
	if (stat(path, &st) != 0 || jwt_keyset_add(&next_public, &k) != 0) {
		snprintf(err, errsize, "%s: cannot be added (more than %d keys, or a duplicate kid)", path,
		    JWT_MAX_KEYS);
		jwt_key_wipe(&k);
		return -1;
	}
	if (!next_signing.has_secret || st.st_mtime > *newest) {
		jwt_key_wipe(&next_signing);
		next_signing = k;
		*newest = st.st_mtime;
	}
	jwt_key_wipe(&k);
	return 0;
}

static int
make_first_key(const char *dir, char *err, size_t errsize)
{
	char path[4096], why[256];
	struct jwt_key k;
	int rc;

	if (jwt_key_generate(&k) != 0) {
		snprintf(err, errsize, "cannot generate a signing key");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.key", dir, k.kid);
	rc = jwt_key_save(&k, path, why, sizeof(why));
	if (rc != 0)
		snprintf(err, errsize, "%s: %s", path, why);
	jwt_key_wipe(&k);
	return rc;
}

int
keys_load(const struct config *cfg, char *err, size_t errsize)
{
	const char *dir = config_str(cfg, "auth", "keys_dir");
	struct dirent *de;
	time_t newest = 0;
	DIR *dp;
	int found = 0;

	jwt_key_wipe(&next_signing);
	memset(&next_public, 0, sizeof(next_public));
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errsize, "%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	for (int pass = 0; pass < 2 && found == 0; pass++) {
		if (pass == 1 && make_first_key(dir, err, errsize) != 0)
			return -1;
		if ((dp = opendir(dir)) == NULL) {
			snprintf(err, errsize, "%s: cannot read: %s", dir, strerror(errno));
			return -1;
		}
		while ((de = readdir(dp)) != NULL) {
			if (!is_key_name(de->d_name))
				continue;
			if (load_one(dir, de->d_name, &newest, err, errsize) != 0) {
				closedir(dp);
				return -1;
			}
			found++;
		}
		closedir(dp);
	}
	jwt_key_wipe(&signing);
	signing = next_signing;
	public_keys = next_public;
	jwt_key_wipe(&next_signing);
	return 0;
}

const struct jwt_key *
keys_signing(void)
{
	return &signing;
}

const struct jwt_keyset *
keys_public(void)
{
	return &public_keys;
}
