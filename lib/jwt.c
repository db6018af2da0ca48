/*
 * jwt: EdDSA (Ed25519) JSON Web Tokens, their signing key files and the
 * JWK form of their public keys.
 *
 * The verifier trusts nothing before the signature: the header is read
 * only for alg and kid, the signature is checked over the two first parts
 * exactly as received, and only then is the payload decoded.  Base64url is
 * libsodium's strict unpadded variant, which also refuses non-zero trailing
 * bits, behind our own alphabet check (see b64_decode), so a token has
 * exactly one spelling and any changed byte fails.
 *
 * Secret material (seed, key file text) that passes through stack buffers
 * is wiped with sodium_memzero on every path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <yajl/yajl_gen.h>

#include "lib/json.h"
#include "lib/jwt.h"

#define B64	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define KEYFILE_MAGIC	"quill-ed25519 "
#define MAX_MEMBERS_HEADER	8
#define MAX_MEMBERS_PAYLOAD	32
#define MAX_DEPTH	4
#define MAX_LEEWAY	3600

static void
kid_of(const unsigned char *pk, char kid[33])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, pk, crypto_sign_PUBLICKEYBYTES);
	sodium_bin2hex(kid, 33, h, JWT_KID_LEN / 2);
}

/*
 * Strict decode of the whole of s: 0, or -1 for bad alphabet or size.
 * The alphabet is checked here first because libsodium 1.0.18 (Debian 12)
 * decodes every byte from 0x80 to 0xff as '_' where char is signed, which
 * would give each token many spellings that all verify.
 */
static int
b64_decode(const char *s, size_t len, unsigned char *bin, size_t binmax, size_t *binlen)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return -1;
	}
	return sodium_base642bin(bin, binmax, s, len, NULL, binlen, NULL, B64);
}

/* Appends base64url of bin at out + *pos; -1 when it does not fit. */
static int
b64_append(char *out, size_t outsize, size_t *pos, const void *bin, size_t n)
{
	size_t need = sodium_base64_ENCODED_LEN(n, B64);

	/* sodium_bin2base64 aborts on a short buffer: check first. */
	if (*pos > outsize || need > outsize - *pos)
		return -1;
	sodium_bin2base64(out + *pos, need, bin, n, B64);
	*pos += need - 1;
	return 0;
}

int
jwt_key_generate(struct jwt_key *k)
{
	memset(k, 0, sizeof(*k));
	if (crypto_sign_keypair(k->pk, k->sk) != 0)
		return -1;
	kid_of(k->pk, k->kid);
	k->has_secret = true;
	return 0;
}

void
jwt_key_wipe(struct jwt_key *k)
{
	sodium_memzero(k, sizeof(*k));
}

/* Directory part of path, for the fsync that makes a rename durable. */
static int
fsync_parent(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd, rc;

	if (slash == NULL)
		strcpy(dir, ".");
	else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return -1;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
jwt_key_save(const struct jwt_key *k, const char *path, char *err, size_t errsize)
{
	unsigned char seed[crypto_sign_SEEDBYTES];
	char line[128], tmp[4096];
	size_t pos;
	int fd = -1, n, rc = -1;
	bool created = false;

	if (!k->has_secret) {
		snprintf(err, errsize, "key has no secret part");
		return -1;
	}
	crypto_sign_ed25519_sk_to_seed(seed, k->sk);
	n = snprintf(line, sizeof(line), KEYFILE_MAGIC "%s ", k->kid);
	pos = (size_t)n;
	if (n < 0 || b64_append(line, sizeof(line) - 1, &pos, seed, sizeof(seed)) == -1) {
		snprintf(err, errsize, "key does not fit a key file line");
		goto out;
	}
	line[pos++] = '\n';
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
		snprintf(err, errsize, "path too long");
		goto out;
	}
	/* mkostemp creates with O_EXCL and mode 0600; fchmod in case of odd libcs. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errsize, "create %s: %s", tmp, strerror(errno));
		goto out;
	}
	created = true;
	if (fchmod(fd, 0600) == -1 || write_all(fd, line, pos) == -1 || fsync(fd) == -1) {
		snprintf(err, errsize, "write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errsize, "close %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		snprintf(err, errsize, "rename to %s: %s", path, strerror(errno));
		goto out;
	}
	created = false;
	if (fsync_parent(path) == -1) {
		snprintf(err, errsize, "fsync directory of %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (created)
		unlink(tmp);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(line, sizeof(line));
	return rc;
}

/* Parses the key file text (already checked to be one line) into k. */
static int
parse_key_line(char *line, struct jwt_key *k, char *err, size_t errsize)
{
	unsigned char seed[crypto_sign_SEEDBYTES];
	char kid[33];
	char *p, *sp;
	size_t n, i;
	int rc = -1;

	if (strncmp(line, KEYFILE_MAGIC, strlen(KEYFILE_MAGIC)) != 0) {
		snprintf(err, errsize, "not a quill-ed25519 key file");
		return -1;
	}
	p = line + strlen(KEYFILE_MAGIC);
	if ((sp = strchr(p, ' ')) == NULL || sp - p != JWT_KID_LEN) {
		snprintf(err, errsize, "malformed key file: bad kid");
		return -1;
	}
	for (i = 0; i < JWT_KID_LEN; i++)
		if (strchr("0123456789abcdef", p[i]) == NULL || p[i] == '\0') {
			snprintf(err, errsize, "malformed key file: bad kid");
			return -1;
		}
	sp++;
	if (b64_decode(sp, strlen(sp), seed, sizeof(seed), &n) == -1 || n != sizeof(seed)) {
		snprintf(err, errsize, "malformed key file: bad seed");
		goto out;
	}
	memset(k, 0, sizeof(*k));
	if (crypto_sign_seed_keypair(k->pk, k->sk, seed) != 0) {
		snprintf(err, errsize, "cannot derive key pair");
		goto out;
	}
	kid_of(k->pk, kid);
	if (memcmp(kid, p, JWT_KID_LEN) != 0) {
		snprintf(err, errsize, "kid in key file does not match the key");
		goto out;
	}
	memcpy(k->kid, kid, sizeof(kid));
	k->has_secret = true;
	rc = 0;
out:
	sodium_memzero(seed, sizeof(seed));
	return rc;
}

int
jwt_key_load(const char *path, struct jwt_key *k, char *err, size_t errsize)
{
	char buf[128];
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, rc = -1;

	memset(k, 0, sizeof(*k));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errsize, "open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errsize, "stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsize, "not a regular file");
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errsize, "mode %04o is too open, want 0600",
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	/* Read one byte past the longest valid line to see an overlong file. */
	while (len < sizeof(buf)) {
		if ((n = read(fd, buf + len, sizeof(buf) - len)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsize, "read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == sizeof(buf)) {
		snprintf(err, errsize, "malformed key file: too long");
		goto out;
	}
	if (len == 0 || buf[len - 1] != '\n' || memchr(buf, '\n', len - 1) != NULL ||
	    memchr(buf, '\0', len) != NULL) {
		snprintf(err, errsize, "malformed key file: want exactly one line");
		goto out;
	}
	buf[len - 1] = '\0';
	rc = parse_key_line(buf, k, err, errsize);
out:
	close(fd);
	sodium_memzero(buf, sizeof(buf));
	if (rc == -1)
		jwt_key_wipe(k);
	return rc;
}

const struct jwt_key *
jwt_keyset_find(const struct jwt_keyset *ks, const char *kid)
{
	int i;

	if (ks == NULL || kid == NULL)
		return NULL;
	for (i = 0; i < ks->n && i < JWT_MAX_KEYS; i++)
		if (strcmp(ks->keys[i].kid, kid) == 0)
			return &ks->keys[i];
	return NULL;
}

int
jwt_keyset_add(struct jwt_keyset *ks, const struct jwt_key *k)
{
	struct jwt_key *dst;

	if (ks->n < 0 || ks->n >= JWT_MAX_KEYS || k->kid[0] == '\0' ||
	    jwt_keyset_find(ks, k->kid) != NULL)
		return -1;
	dst = &ks->keys[ks->n++];
	memset(dst, 0, sizeof(*dst));
	memcpy(dst->kid, k->kid, sizeof(dst->kid));
	dst->kid[sizeof(dst->kid) - 1] = '\0';
	memcpy(dst->pk, k->pk, sizeof(dst->pk));
	return 0;
}

/* Claim strings may fill their array without a NUL: never read past it. */
static void
gen_kv_field(yajl_gen g, const char *key, const char *field, size_t size)
{
	json_gen_key(g, key);
	json_gen_string_len(g, field, strnlen(field, size));
}

/* Appends the base64url of g's text; frees g. */
static int
append_gen(char *out, size_t outsize, size_t *pos, yajl_gen g)
{
	const char *text;
	size_t len;
	int rc = -1;

	if ((text = json_gen_text(g, &len)) != NULL)
		rc = b64_append(out, outsize, pos, text, len);
	yajl_gen_free(g);
	return rc;
}

long
jwt_sign(const struct jwt_key *k, const struct jwt_claims *c, char *out, size_t outsize)
{
	unsigned char sig[crypto_sign_BYTES];
	yajl_gen g;
	size_t pos = 0;

	if (outsize > 0)
		out[0] = '\0';
	if (!k->has_secret || outsize == 0)
		return -1;

	if ((g = json_gen_new()) == NULL)
		return -1;
	yajl_gen_map_open(g);
	json_gen_kv_string(g, "alg", "EdDSA");
	json_gen_kv_string(g, "typ", "JWT");
	gen_kv_field(g, "kid", k->kid, sizeof(k->kid));
	yajl_gen_map_close(g);
	if (append_gen(out, outsize, &pos, g) == -1 || pos + 1 >= outsize)
		goto fail;
	out[pos++] = '.';

	if ((g = json_gen_new()) == NULL)
		goto fail;
	yajl_gen_map_open(g);
	gen_kv_field(g, "iss", c->iss, sizeof(c->iss));
	gen_kv_field(g, "sub", c->sub, sizeof(c->sub));
	gen_kv_field(g, "sid", c->sid, sizeof(c->sid));
	gen_kv_field(g, "role", c->role, sizeof(c->role));
	json_gen_kv_int(g, "iat", c->iat);
	json_gen_kv_int(g, "nbf", c->nbf);
	json_gen_kv_int(g, "exp", c->exp);
	gen_kv_field(g, "jti", c->jti, sizeof(c->jti));
	yajl_gen_map_close(g);
	if (append_gen(out, outsize, &pos, g) == -1 || pos + 1 >= outsize)
		goto fail;

	crypto_sign_detached(sig, NULL, (const unsigned char *)out, pos, k->sk);
	out[pos++] = '.';
	if (b64_append(out, outsize, &pos, sig, sizeof(sig)) == -1)
		goto fail;
	return (long)pos;
fail:
	out[0] = '\0';
	return -1;
}

/* True when some member name of obj appears twice. */
static bool
has_duplicate_members(const struct json_value *obj)
{
	size_t i, j, n = json_length(obj);
	const char *a, *b;

	for (i = 0; i < n; i++) {
		a = json_member(obj, i, NULL);
		for (j = i + 1; j < n; j++) {
			b = json_member(obj, j, NULL);
			if (a == NULL || b == NULL || strcmp(a, b) == 0)
				return true;
		}
	}
	return false;
}

/* Decodes and parses one token part; NULL when it is not base64url JSON. */
static struct json_value *
decode_part(const char *s, size_t len)
{
	unsigned char bin[JWT_MAX_TOKEN];
	char err[128];
	size_t n;

	if (len == 0 || b64_decode(s, len, bin, sizeof(bin), &n) == -1)
		return NULL;
	return json_parse((const char *)bin, n, MAX_DEPTH, sizeof(bin), err, sizeof(err));
}

static bool
string_is(const struct json_value *v, const char *want)
{
	size_t n;
	const char *s = json_string(v, &n);

	return s != NULL && n == strlen(want) && memcmp(s, want, n) == 0;
}

static enum jwt_status
check_header(const struct json_value *h, const struct jwt_keyset *ks, const struct jwt_key **key)
{
	const struct json_value *v;
	const char *kid;
	size_t n;

	if (json_type(h) != JSON_OBJECT || json_length(h) > MAX_MEMBERS_HEADER ||
	    has_duplicate_members(h))
		return JWT_MALFORMED;
	/* We understand no critical extension, so none may be required. */
	if (json_get(h, "crit") != NULL || !string_is(json_get(h, "alg"), "EdDSA"))
		return JWT_BAD_ALG;
	if ((v = json_get(h, "typ")) != NULL && !string_is(v, "JWT"))
		return JWT_MALFORMED;
	if ((v = json_get(h, "kid")) == NULL)
		return JWT_UNKNOWN_KID;
	if ((kid = json_string(v, &n)) == NULL || n == 0 || n > 32 || strlen(kid) != n)
		return JWT_MALFORMED;
	if ((*key = jwt_keyset_find(ks, kid)) == NULL)
		return JWT_UNKNOWN_KID;
	return JWT_OK;
}

/* Copies a string claim; -1 when missing, mistyped, too long or holding a NUL. */
static int
copy_claim(const struct json_value *obj, const char *key, char *dst, size_t size, bool nonempty)
{
	size_t n;
	const char *s = json_get_string(obj, key, &n);

	if (s == NULL || n >= size || memchr(s, '\0', n) != NULL || (nonempty && n == 0))
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int64_t
add_saturated(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static enum jwt_status
read_claims(const struct json_value *p, const char *issuer, int64_t now, int leeway,
    struct jwt_claims *c)
{
	if (json_type(p) != JSON_OBJECT || json_length(p) > MAX_MEMBERS_PAYLOAD ||
	    has_duplicate_members(p))
		return JWT_BAD_CLAIMS;
	if (issuer == NULL || !string_is(json_get(p, "iss"), issuer) ||
	    copy_claim(p, "iss", c->iss, sizeof(c->iss), true) == -1)
		return JWT_BAD_ISSUER;
	if (json_get_int64(p, "exp", &c->exp) == -1 ||
	    json_get_int64(p, "nbf", &c->nbf) == -1 ||
	    json_get_int64(p, "iat", &c->iat) == -1)
		return JWT_BAD_CLAIMS;
	if (copy_claim(p, "sub", c->sub, sizeof(c->sub), true) == -1 ||
	    copy_claim(p, "sid", c->sid, sizeof(c->sid), false) == -1 ||
	    copy_claim(p, "role", c->role, sizeof(c->role), false) == -1 ||
	    copy_claim(p, "jti", c->jti, sizeof(c->jti), false) == -1)
		return JWT_BAD_CLAIMS;
	if (c->exp <= add_saturated(now, -(int64_t)leeway))
		return JWT_EXPIRED;
	if (c->nbf > add_saturated(now, leeway))
		return JWT_NOT_YET_VALID;
	return JWT_OK;
}

enum jwt_status
jwt_verify(const struct jwt_keyset *ks, const char *token, size_t len,
    const char *issuer, int64_t now, int leeway_s, struct jwt_claims *out)
{
	unsigned char sig[JWT_MAX_TOKEN];
	struct jwt_claims c;
	struct json_value *doc;
	const struct jwt_key *key = NULL;
	const char *d1, *d2;
	size_t hlen, plen, slen, n;
	enum jwt_status st;

	memset(&c, 0, sizeof(c));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (token == NULL || len == 0 || len > JWT_MAX_TOKEN)
		return JWT_MALFORMED;
	if ((d1 = memchr(token, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token))) == NULL ||
	    memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)) != NULL)
		return JWT_MALFORMED;
	hlen = (size_t)(d1 - token);
	plen = (size_t)(d2 - d1 - 1);
	slen = len - (size_t)(d2 + 1 - token);
	if (hlen == 0 || plen == 0)
		return JWT_MALFORMED;

	if ((doc = decode_part(token, hlen)) == NULL)
		return JWT_MALFORMED;
	st = check_header(doc, ks, &key);
	json_free(doc);
	if (st != JWT_OK)
		return st;

	if (b64_decode(d2 + 1, slen, sig, sizeof(sig), &n) == -1)
		return JWT_MALFORMED;
	if (n != crypto_sign_BYTES ||
	    crypto_sign_verify_detached(sig, (const unsigned char *)token, hlen + 1 + plen,
	    key->pk) != 0)
		return JWT_BAD_SIGNATURE;

	if ((doc = decode_part(d1 + 1, plen)) == NULL)
		return JWT_MALFORMED;
	if (leeway_s < 0)
		leeway_s = 0;
	if (leeway_s > MAX_LEEWAY)
		leeway_s = MAX_LEEWAY;
	st = read_claims(doc, issuer, now, leeway_s, &c);
	json_free(doc);
	if (st == JWT_OK && out != NULL)
		*out = c;
	return st;
}

const char *
jwt_status_string(enum jwt_status st)
{
	switch (st) {
	case JWT_OK:			return "ok";
	case JWT_MALFORMED:		return "malformed";
	case JWT_BAD_ALG:		return "bad_alg";
	case JWT_UNKNOWN_KID:		return "unknown_kid";
	case JWT_BAD_SIGNATURE:		return "bad_signature";
	case JWT_EXPIRED:		return "expired";
	case JWT_NOT_YET_VALID:		return "not_yet_valid";
	case JWT_BAD_ISSUER:		return "bad_issuer";
	case JWT_BAD_CLAIMS:		return "bad_claims";
	}
	return "unknown";
}

void
jwt_jwk_public(const struct jwt_key *k, yajl_gen g)
{
	char x[sodium_base64_ENCODED_LEN(crypto_sign_PUBLICKEYBYTES, B64)];

	sodium_bin2base64(x, sizeof(x), k->pk, sizeof(k->pk), B64);
	yajl_gen_map_open(g);
	json_gen_kv_string(g, "kty", "OKP");
	json_gen_kv_string(g, "crv", "Ed25519");
	json_gen_kv_string(g, "x", x);
	gen_kv_field(g, "kid", k->kid, sizeof(k->kid));
	json_gen_kv_string(g, "alg", "EdDSA");
	json_gen_kv_string(g, "use", "sig");
	yajl_gen_map_close(g);
}

int
jwt_jwk_parse(const struct json_value *jwk, struct jwt_key *k)
{
	const struct json_value *v;
	const char *x, *kid;
	size_t xlen, kidlen, n;

	memset(k, 0, sizeof(*k));
	if (json_type(jwk) != JSON_OBJECT || has_duplicate_members(jwk) ||
	    !string_is(json_get(jwk, "kty"), "OKP") ||
	    !string_is(json_get(jwk, "crv"), "Ed25519"))
		return -1;
	if (((v = json_get(jwk, "alg")) != NULL && !string_is(v, "EdDSA")) ||
	    ((v = json_get(jwk, "use")) != NULL && !string_is(v, "sig")))
		return -1;
	if ((x = json_get_string(jwk, "x", &xlen)) == NULL ||
	    b64_decode(x, xlen, k->pk, sizeof(k->pk), &n) == -1 || n != sizeof(k->pk))
		goto fail;
	if ((kid = json_get_string(jwk, "kid", &kidlen)) == NULL || kidlen == 0 ||
	    kidlen >= sizeof(k->kid) || strlen(kid) != kidlen)
		goto fail;
	memcpy(k->kid, kid, kidlen + 1);
	return 0;
fail:
	memset(k, 0, sizeof(*k));
	return -1;
}
