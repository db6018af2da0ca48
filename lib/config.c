/*
 * config: reads the INI-style configuration file described by the key
 * table in config_keys.c, applies QUILL_<SECTION>_<KEY> environment
 * overrides and checks every value once, at load time.
 *
 * What it guarantees: config_load() returns either a configuration in
 * which every key of the table has a valid value, or NULL and exactly one
 * message, "path:line: what", "path: what" or "env NAME: what".  Getters
 * never fail at run time; a key missing from the table or a getter of the
 * wrong type is a programming error, logged and aborted on.
 *
 * File syntax: "[section]" lines, "key = value" lines, blank lines and
 * comment lines starting with '#' or ';'.  A value may be double-quoted,
 * with \" and \\ escapes, to hold spaces or '#'; an unquoted value ends at
 * a '#' that follows white space.  Each key may appear once.
 *
 * Named sections: a table section written "kind.*" (the gateway's
 * "route.*") is a template; the file may hold any number of sections
 * [kind.NAME], each with the template's keys.  When the file has none of
 * a kind, the built-in sections of config_builtin_sections apply instead,
 * so a file without routes gets the standard ones and a file with routes
 * gets exactly its own.  Environment overrides reach them as
 * QUILL_<KIND>_<NAME>_<KEY>.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/config.h"
#include "lib/log.h"

extern char **environ;

#define MSG_MAX		256
#define NAME_MAX_LEN	64

struct value {
	char		*text;		/* as written, quotes and escapes removed */
	long long	 num;		/* INT, BOOL, SIZE (bytes), DURATION (ms) */
	char		*source;	/* "path:line", "env NAME"; NULL: default */
	int		 line;		/* line in the file, 0 when not set there */
};

/* One [kind.NAME] section; values are indexed like the key table. */
struct instance {
	char		 section[NAME_MAX_LEN];	/* "route.auth" */
	size_t		 kind_len;		/* length of "route" */
	int		 builtin;		/* from config_builtin_sections */
	struct value	*values;
};

struct config {
	char		*path;
	size_t		 nkeys;
	struct value	*values;
	struct instance	**inst;		/* in the order they were read */
	size_t		 ninst;
};

/* One file being parsed. */
struct parse {
	struct config	*cfg;
	const char	*path;
	int		 line;
	char		 section[NAME_MAX_LEN];	/* "" before the first [section] */
	struct instance	*inst;		/* the [kind.NAME] being read, or NULL */
	int		 builtin;	/* reading config_builtin_sections */
	int		 skipping;	/* a built-in section the file replaces */
	char		*err;
	size_t		 errsize;
};

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errsize > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsize, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Same, prefixed with "path:line: ". */
static int __attribute__((format(printf, 2, 3)))
fail_at(struct parse *p, const char *fmt, ...)
{
	char msg[MSG_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return fail(p->err, p->errsize, "%s:%d: %s", p->path, p->line, msg);
}

/* The table entry of section/key, or with key NULL the first of section. */
static const struct config_key *
find_key(const char *section, const char *key, size_t *idx)
{
	for (size_t i = 0; config_keys[i].section != NULL; i++) {
		if (strcmp(config_keys[i].section, section) == 0 &&
		    (key == NULL || strcmp(config_keys[i].key, key) == 0)) {
			*idx = i;
			return &config_keys[i];
		}
	}
	return NULL;
}

/*
 * The template ("route.*") of a named section "route.auth" or of a kind
 * "route" (kind_len bytes of name), or NULL.
 */
static const char *
template_of(const char *name, size_t kind_len)
{
	for (size_t i = 0; config_keys[i].section != NULL; i++) {
		const char *t = config_keys[i].section;
		size_t n = strlen(t);

		if (n == kind_len + 2 && strcmp(t + kind_len, ".*") == 0 && strncmp(t, name, kind_len) == 0)
			return t;
	}
	return NULL;
}

static int
is_template(const char *section)
{
	size_t n = strlen(section);

	return n > 2 && strcmp(section + n - 2, ".*") == 0;
}

static struct instance *
find_instance(const struct config *cfg, const char *section)
{
	for (size_t i = 0; i < cfg->ninst; i++)
		if (strcasecmp(cfg->inst[i]->section, section) == 0)
			return cfg->inst[i];
	return NULL;
}

/*
 * Suffixes of SIZE and DURATION values, matched without case; for each
 * scale the first one listed is the one bounds are written with.
 */
static const struct unit {
	enum config_type type;
	const char	*suffix;
	long long	 scale;
} units[] = {
	{ CONFIG_SIZE, "g", 1LL << 30 }, { CONFIG_SIZE, "gb", 1LL << 30 },
	{ CONFIG_SIZE, "m", 1LL << 20 }, { CONFIG_SIZE, "mb", 1LL << 20 },
	{ CONFIG_SIZE, "k", 1LL << 10 }, { CONFIG_SIZE, "kb", 1LL << 10 },
	{ CONFIG_SIZE, "", 1 }, { CONFIG_SIZE, "b", 1 },
	{ CONFIG_DURATION, "d", 86400000 }, { CONFIG_DURATION, "h", 3600000 }, { CONFIG_DURATION, "m", 60000 },
	{ CONFIG_DURATION, "s", 1000 }, { CONFIG_DURATION, "", 1000 },
	{ CONFIG_DURATION, "ms", 1 },
};
#define NUNITS (sizeof units / sizeof units[0])

/* Writes a bound in the unit a reader would use: "64k", "30s", "256". */
static const char *
bound(enum config_type type, long long v, char buf[32])
{
	for (size_t i = 0; i < NUNITS; i++) {
		if (units[i].type == type && v != 0 && v % units[i].scale == 0) {
			snprintf(buf, 32, "%lld%s", v / units[i].scale, units[i].suffix);
			return buf;
		}
	}
	snprintf(buf, 32, "%lld", v);
	return buf;
}

/*
 * Reads the leading decimal digits of s (a '-' first only if signed_ok).
 * Returns 0, -1 when there are no digits, -2 on overflow.
 */
static int
leading_number(const char *s, int signed_ok, long long *n, const char **rest)
{
	char *end;

	if (!isdigit((unsigned char)s[s[0] == '-' && signed_ok]))
		return -1;
	errno = 0;
	*n = strtoll(s, &end, 10);
	*rest = end;
	return errno == ERANGE ? -2 : 0;
}

/* Multiplier for a SIZE or DURATION suffix, or 0 for an unknown one. */
static long long
suffix_scale(enum config_type type, const char *sfx)
{
	for (size_t i = 0; i < NUNITS; i++)
		if (units[i].type == type && strcasecmp(units[i].suffix, sfx) == 0)
			return units[i].scale;
	return 0;
}

static int
parse_bool(const char *s, long long *num)
{
	static const char *const words[] = { "no", "yes", "false", "true", "off", "on", "0", "1" };

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strcasecmp(s, words[i]) == 0) {
			*num = (long long)(i % 2);
			return 0;
		}
	}
	return -1;
}

static int
parse_enum(const char *s, const char *choices, long long *num)
{
	size_t len = strlen(s), n;
	long long i = 0;

	for (const char *c = choices; *c != '\0'; c += n + (c[n] == '|'), i++) {
		n = strcspn(c, "|");
		if (n == len && len > 0 && strncmp(c, s, n) == 0) {
			*num = i;
			return 0;
		}
	}
	return -1;
}

/*
 * Checks text against the key's type and limits.  Returns 0 with the
 * number in *num, or -1 with msg saying what was expected.
 */
static int
parse_value(const struct config_key *k, const char *text, long long *num,
    char *msg, size_t msgsize)
{
	char lo[32], hi[32];
	const char *rest = "";
	long long n = 0, scale = 1;
	int rc;

	*num = 0;
	switch (k->type) {
	case CONFIG_STRING:
		for (const char *c = text; *c != '\0'; c++)
			if (iscntrl((unsigned char)*c) && *c != '\t')
				return fail(msg, msgsize, "expected text without control characters");
		return 0;
	case CONFIG_BOOL:
		if (parse_bool(text, num) == 0)
			return 0;
		return fail(msg, msgsize, "expected yes or no (or true/false, on/off, 1/0), got \"%.60s\"",
		    text);
	case CONFIG_ENUM:
		if (parse_enum(text, k->choices, num) == 0)
			return 0;
		return fail(msg, msgsize, "expected one of %s, got \"%.60s\"", k->choices,
		    text);
	case CONFIG_INT:
	case CONFIG_SIZE:
	case CONFIG_DURATION:
		break;
	}
	rc = leading_number(text, k->type == CONFIG_INT, &n, &rest);
	if (rc == -1 || (k->type == CONFIG_INT && *rest != '\0') ||
	    (k->type != CONFIG_INT && (scale = suffix_scale(k->type, rest)) == 0)) {
		if (k->type == CONFIG_INT)
			return fail(msg, msgsize, "expected an integer from %lld to %lld, got \"%.60s\"",
			    k->min, k->max, text);
		return fail(msg, msgsize, "expected a %s, got \"%.60s\"",
		    k->type == CONFIG_SIZE ? "size such as 512, 64k, 20m or 1g" :
		    "duration such as 250ms, 10s, 5m, 1h or 30d (a bare number is seconds)",
		    text);
	}
	if (rc == -2 || n > LLONG_MAX / scale || n * scale < k->min || n * scale > k->max)
		return fail(msg, msgsize, "value \"%.60s\" is out of range (expected %s to %s)",
		    text, bound(k->type, k->min, lo), bound(k->type, k->max, hi));
	*num = n * scale;
	return 0;
}

/* Replaces v's value; takes ownership of source (NULL for the default). */
static int
assign(struct value *v, const char *text, long long num, char *source)
{
	char *copy = strdup(text);

	if (copy == NULL) {
		free(source);
		return -1;
	}
	free(v->text);
	free(v->source);
	v->text = copy;
	v->num = num;
	v->source = source;
	return 0;
}

static int
load_defaults(struct config *cfg, char *err, size_t errsize)
{
	char msg[MSG_MAX];
	long long num;

	for (size_t i = 0; i < cfg->nkeys; i++) {
		const struct config_key *k = &config_keys[i];

		if (parse_value(k, k->def, &num, msg, sizeof msg) == -1)
			return fail(err, errsize, "default of [%s] %s: %s", k->section, k->key, msg);
		if (assign(&cfg->values[i], k->def, num, NULL) == -1)
			return fail(err, errsize, "out of memory");
	}
	return 0;
}

/* A new [kind.NAME] section holding its template's defaults (checked by load_defaults). */
static struct instance *
add_instance(struct config *cfg, const char *section, size_t kind_len, int builtin)
{
	const char *tmpl = template_of(section, kind_len);
	struct instance *in, **grown;

	if ((grown = realloc(cfg->inst, (cfg->ninst + 1) * sizeof *grown)) == NULL)
		return NULL;
	cfg->inst = grown;
	if ((in = calloc(1, sizeof *in)) == NULL)
		return NULL;
	if ((in->values = calloc(cfg->nkeys, sizeof *in->values)) == NULL) {
		free(in);
		return NULL;
	}
	snprintf(in->section, sizeof in->section, "%s", section);
	in->kind_len = kind_len;
	in->builtin = builtin;
	cfg->inst[cfg->ninst++] = in;
	for (size_t i = 0; i < cfg->nkeys; i++)
		if (strcmp(config_keys[i].section, tmpl) == 0 &&
		    assign(&in->values[i], config_keys[i].def, cfg->values[i].num, NULL) == -1)
			return NULL;
	return in;
}

static int
kind_has_file_sections(const struct config *cfg, const char *section, size_t kind_len)
{
	for (size_t i = 0; i < cfg->ninst; i++)
		if (!cfg->inst[i]->builtin && cfg->inst[i]->kind_len == kind_len &&
		    strncmp(cfg->inst[i]->section, section, kind_len) == 0)
			return 1;
	return 0;
}

static char *
skip_blank(char *s)
{
	while (isblank((unsigned char)*s))
		s++;
	return s;
}

/* Cuts trailing white space from s, which ends at end. */
static void
trim_end(char *s, char *end)
{
	while (end > s && isblank((unsigned char)end[-1]))
		end--;
	*end = '\0';
}

/* A [kind.NAME] section: NAME is letters, digits, '_' and '-'. */
static int
parse_named_section(struct parse *p, const char *s)
{
	const char *dot = strchr(s, '.');
	size_t kind_len;

	if (dot == NULL || template_of(s, (size_t)(dot - s)) == NULL)
		return fail_at(p, "unknown section [%.64s]", s);
	kind_len = (size_t)(dot - s);
	if (dot[1] == '\0' || strspn(dot + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
	    strlen(dot + 1))
		return fail_at(p, "section [%.64s]: the name after \"%.*s.\" may hold only letters, digits, '_' and '-'",
		    s, (int)kind_len, s);
	if (p->builtin && kind_has_file_sections(p->cfg, s, kind_len)) {
		p->skipping = 1;
		return 0;
	}
	if (find_instance(p->cfg, s) != NULL)
		return fail_at(p, "duplicate section [%s]", s);
	if ((p->inst = add_instance(p->cfg, s, kind_len, p->builtin)) == NULL)
		return fail_at(p, "out of memory");
	return 0;
}

static int
parse_section(struct parse *p, char *s)
{
	char *close = strchr(s, ']'), *rest;
	size_t idx;

	if (close == NULL)
		return fail_at(p, "syntax error: missing \"]\" after section name");
	rest = skip_blank(close + 1);
	if (*rest != '\0' && *rest != '#' && *rest != ';')
		return fail_at(p, "syntax error: unexpected text after [section]");
	s = skip_blank(s + 1);
	trim_end(s, close);
	if (*s == '\0')
		return fail_at(p, "syntax error: empty section name");
	if (strlen(s) >= sizeof p->section)
		return fail_at(p, "unknown section [%.64s]", s);
	p->inst = NULL;
	p->skipping = 0;
	if (is_template(s) || find_key(s, NULL, &idx) == NULL) {
		if (parse_named_section(p, s) == -1)
			return -1;
	}
	strcpy(p->section, s);
	return 0;
}

/* Finds the value after '=' and strips quotes or a trailing comment, in place. */
static int
parse_raw_value(struct parse *p, char *s, char **out)
{
	char *w, *end;

	s = skip_blank(s);
	*out = s;
	if (*s != '"') {
		/* A '#' after white space starts a comment. */
		for (end = s; *end != '\0'; end++)
			if (*end == '#' && isblank((unsigned char)end[-1]))
				break;
		trim_end(s, end);
		return 0;
	}
	for (w = s, s++; *s != '"'; s++) {
		if (*s == '\0')
			return fail_at(p, "syntax error: missing closing quote");
		if (*s == '\\') {
			if (s[1] != '"' && s[1] != '\\')
				return fail_at(p, "syntax error: in a quoted value only \\\" and \\\\ are escapes");
			s++;
		}
		*w++ = *s;
	}
	*w = '\0';
	s = skip_blank(s + 1);
	if (*s != '\0' && *s != '#')
		return fail_at(p, "syntax error: unexpected text after the closing quote");
	return 0;
}

static int
parse_assignment(struct parse *p, char *s)
{
	char *eq = strchr(s, '='), *text, msg[MSG_MAX], *source;
	const struct config_key *k;
	struct value *v;
	long long num;
	size_t idx;

	if (eq == NULL)
		return fail_at(p, "syntax error: expected \"key = value\", \"[section]\" or a comment");
	trim_end(s, eq);
	if (*s == '\0')
		return fail_at(p, "syntax error: missing key name before \"=\"");
	if (p->section[0] == '\0')
		return fail_at(p, "key \"%.64s\" outside any section (put a [section] line first)", s);
	if (p->skipping)
		return 0;
	k = find_key(p->inst != NULL ? template_of(p->section, p->inst->kind_len) : p->section, s, &idx);
	if (k == NULL)
		return fail_at(p, "unknown key \"%.64s\" in section [%s]", s, p->section);
	v = p->inst != NULL ? &p->inst->values[idx] : &p->cfg->values[idx];
	if (v->line != 0)
		return fail_at(p, "duplicate key \"%s\" in section [%s] (first set on line %d)",
		    k->key, p->section, v->line);
	if (parse_raw_value(p, eq + 1, &text) == -1)
		return -1;
	if (parse_value(k, text, &num, msg, sizeof msg) == -1)
		return fail_at(p, "%s: %s", k->key, msg);
	if (asprintf(&source, "%s:%d", p->path, p->line) == -1 ||
	    assign(v, text, num, source) == -1)
		return fail_at(p, "out of memory");
	v->line = p->line;
	return 0;
}

static int
parse_line(struct parse *p, char *line, size_t len)
{
	char *s;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (strlen(line) != len)
		return fail_at(p, "syntax error: NUL byte in line");
	s = skip_blank(line);
	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return parse_section(p, s);
	return parse_assignment(p, s);
}

static int
load_file(struct config *cfg, const char *path, char *err, size_t errsize)
{
	struct parse p = { .cfg = cfg, .path = path, .err = err, .errsize = errsize };
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp;
	int rc = 0;

	if ((fp = fopen(path, "re")) == NULL)
		return fail(err, errsize, "%s: cannot open: %s", path, strerror(errno));
	errno = 0;
	while (rc == 0 && (len = getline(&line, &cap, fp)) != -1) {
		p.line++;
		rc = parse_line(&p, line, (size_t)len);
	}
	if (rc == 0 && ferror(fp))
		rc = fail(err, errsize, "%s: cannot read: %s", path, strerror(errno));
	free(line);
	fclose(fp);
	return rc;
}

/* The built-in [kind.NAME] sections, for each kind the file left out. */
static int
load_builtin_sections(struct config *cfg, char *err, size_t errsize)
{
	struct parse p = { .cfg = cfg, .path = "built-in sections", .builtin = 1, .err = err, .errsize = errsize };
	const char *s = config_builtin_sections;
	char line[512];

	while (*s != '\0') {
		size_t n = strcspn(s, "\n");

		if (n >= sizeof line)
			return fail(err, errsize, "built-in sections: line %d too long", p.line + 1);
		memcpy(line, s, n);
		line[n] = '\0';
		p.line++;
		if (parse_line(&p, line, n) == -1)
			return -1;
		s += n + (s[n] == '\n');
	}
	return 0;
}

/*
 * "QUILL_" + upper-case section + "_" + upper-case key (key may be ""); the
 * '.' of a named section and a '-' in its name become '_'.
 */
void
config_env_name(const char *section, const char *key, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "QUILL_%s_%s", section, key);

	for (size_t i = 0; i < n && i < size; i++)
		buf[i] = buf[i] == '.' || buf[i] == '-' ? '_' : (char)toupper((unsigned char)buf[i]);
}

/*
 * A QUILL_ variable that starts like a known section but names no key is a
 * typo the operator would never notice; other QUILL_ names are left alone.
 * For a kind of named sections, the key must be one of an existing section.
 */
static int
check_unknown_env(const struct config *cfg, char *err, size_t errsize)
{
	char name[2 * NAME_MAX_LEN + 8];
	int is_key, in_section;

	for (char **e = environ; *e != NULL; e++) {
		size_t n = strcspn(*e, "=");

		if (strncmp(*e, "QUILL_", 6) != 0)
			continue;
		is_key = in_section = 0;
		for (size_t i = 0; config_keys[i].section != NULL && !is_key; i++) {
			const char *sec = config_keys[i].section;

			if (is_template(sec)) {
				char kind[NAME_MAX_LEN];

				snprintf(kind, sizeof kind, "%.*s", (int)(strlen(sec) - 2), sec);
				config_env_name(kind, "", name, sizeof name);
				in_section |= n >= strlen(name) && strncmp(name, *e, strlen(name)) == 0;
				for (size_t j = 0; j < cfg->ninst && !is_key; j++) {
					if (template_of(cfg->inst[j]->section, cfg->inst[j]->kind_len) != sec)
						continue;
					config_env_name(cfg->inst[j]->section, config_keys[i].key, name, sizeof name);
					is_key = strlen(name) == n && strncmp(name, *e, n) == 0;
				}
				continue;
			}
			config_env_name(sec, config_keys[i].key, name, sizeof name);
			is_key = strlen(name) == n && strncmp(name, *e, n) == 0;
			config_env_name(sec, "", name, sizeof name);
			in_section |= n >= strlen(name) && strncmp(name, *e, strlen(name)) == 0;
		}
		if (in_section && !is_key)
			return fail(err, errsize, "env %.*s: unknown configuration key",
			    (int)(n > 100 ? 100 : n), *e);
	}
	return 0;
}

static int
env_override(const struct config_key *k, const char *section, struct value *v, char *err, size_t errsize)
{
	char name[2 * NAME_MAX_LEN + 8], msg[MSG_MAX], *source;
	const char *text;
	long long num;

	config_env_name(section, k->key, name, sizeof name);
	if ((text = getenv(name)) == NULL)
		return 0;
	if (parse_value(k, text, &num, msg, sizeof msg) == -1)
		return fail(err, errsize, "env %s: %s", name, msg);
	if (asprintf(&source, "env %s", name) == -1 || assign(v, text, num, source) == -1)
		return fail(err, errsize, "out of memory");
	return 0;
}

static int
load_env(struct config *cfg, char *err, size_t errsize)
{
	if (check_unknown_env(cfg, err, errsize) == -1)
		return -1;
	for (size_t i = 0; i < cfg->nkeys; i++) {
		const struct config_key *k = &config_keys[i];

		if (is_template(k->section)) {
			for (size_t j = 0; j < cfg->ninst; j++)
				if (template_of(cfg->inst[j]->section, cfg->inst[j]->kind_len) == k->section &&
				    env_override(k, cfg->inst[j]->section, &cfg->inst[j]->values[i], err,
				    errsize) == -1)
					return -1;
		} else if (env_override(k, k->section, &cfg->values[i], err, errsize) == -1)
			return -1;
	}
	return 0;
}

struct config *
config_load(const char *path, char *err, size_t errsize)
{
	struct config *cfg;

	if ((cfg = calloc(1, sizeof *cfg)) == NULL)
		goto oom;
	while (config_keys[cfg->nkeys].section != NULL)
		cfg->nkeys++;
	if ((cfg->values = calloc(cfg->nkeys, sizeof *cfg->values)) == NULL ||
	    (path != NULL && (cfg->path = strdup(path)) == NULL))
		goto oom;
	if (load_defaults(cfg, err, errsize) == -1 ||
	    (path != NULL && load_file(cfg, path, err, errsize) == -1) ||
	    load_builtin_sections(cfg, err, errsize) == -1 ||
	    load_env(cfg, err, errsize) == -1) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
oom:
	config_free(cfg);
	fail(err, errsize, "out of memory");
	return NULL;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; cfg->values != NULL && i < cfg->nkeys; i++) {
		free(cfg->values[i].text);
		free(cfg->values[i].source);
	}
	for (size_t j = 0; j < cfg->ninst; j++) {
		for (size_t i = 0; i < cfg->nkeys; i++) {
			free(cfg->inst[j]->values[i].text);
			free(cfg->inst[j]->values[i].source);
		}
		free(cfg->inst[j]->values);
		free(cfg->inst[j]);
	}
	free(cfg->inst);
	free(cfg->values);
	free(cfg->path);
	free(cfg);
}

/* The value of a key, aborting on a key not in the table or a wrong getter. */
static const struct value *
lookup(const struct config *cfg, const char *section, const char *key,
    const char *getter, unsigned types)
{
	const struct config_key *k = NULL;
	const struct instance *in = NULL;
	size_t idx;

	if (cfg != NULL && section != NULL && key != NULL) {
		if ((in = find_instance(cfg, section)) != NULL)
			k = find_key(template_of(in->section, in->kind_len), key, &idx);
		else if (!is_template(section))
			k = find_key(section, key, &idx);
	}
	if (k == NULL || (types & (1u << k->type)) == 0) {
		log_error("event=config_misuse error=%s section=%s key=%s getter=%s",
		    k == NULL ? "unknown_key" : "wrong_type", section != NULL ? section : "-",
		    key != NULL ? key : "-", getter);
		abort();
	}
	return in != NULL ? &in->values[idx] : &cfg->values[idx];
}

#define ONLY(t)		(1u << (t))
#define ANY_TYPE	(~0u)

const char *
config_str(const struct config *cfg, const char *section, const char *key)
{
	return lookup(cfg, section, key, "config_str",
	    ONLY(CONFIG_STRING) | ONLY(CONFIG_ENUM))->text;
}

long long
config_int(const struct config *cfg, const char *section, const char *key)
{
	return lookup(cfg, section, key, "config_int", ONLY(CONFIG_INT))->num;
}

int
config_enum(const struct config *cfg, const char *section, const char *key)
{
	return (int)lookup(cfg, section, key, "config_enum", ONLY(CONFIG_ENUM))->num;
}

bool
config_bool(const struct config *cfg, const char *section, const char *key)
{
	return lookup(cfg, section, key, "config_bool", ONLY(CONFIG_BOOL))->num != 0;
}

long long
config_size(const struct config *cfg, const char *section, const char *key)
{
	return lookup(cfg, section, key, "config_size", ONLY(CONFIG_SIZE))->num;
}

long long
config_duration_ms(const struct config *cfg, const char *section, const char *key)
{
	return lookup(cfg, section, key, "config_duration_ms", ONLY(CONFIG_DURATION))->num;
}

const char *
config_source(const struct config *cfg, const char *section, const char *key)
{
	const struct value *v = lookup(cfg, section, key, "config_source", ANY_TYPE);

	return v->source != NULL ? v->source : "default";
}

const char *
config_path(const struct config *cfg)
{
	return cfg->path;
}

size_t
config_sections(const struct config *cfg, const char *kind, const char **names, size_t max)
{
	size_t n = 0, klen = strlen(kind);

	for (size_t i = 0; i < cfg->ninst; i++) {
		const struct instance *in = cfg->inst[i];

		if (in->kind_len == klen && strncmp(in->section, kind, klen) == 0) {
			if (n < max)
				names[n] = in->section;
			n++;
		}
	}
	return n;
}

/* Writes a value so that the parser reads it back unchanged. */
static void
write_value(FILE *out, const char *s)
{
	if (*s != '\0' && strpbrk(s, " \t\"#") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void
dump_value(FILE *out, const char *section, const char *key, const struct value *v)
{
	fprintf(out, "%s.%s = ", section, key);
	write_value(out, v->text);
	fprintf(out, "  # %s\n", v->source != NULL ? v->source : "default");
}

void
config_dump(const struct config *cfg, FILE *out)
{
	for (size_t i = 0; i < cfg->nkeys; i++) {
		const char *sec = config_keys[i].section;

		if (!is_template(sec)) {
			dump_value(out, sec, config_keys[i].key, &cfg->values[i]);
			continue;
		}
		if (i > 0 && strcmp(config_keys[i - 1].section, sec) == 0)
			continue;
		/* A named section's keys together, section by section. */
		for (size_t j = 0; j < cfg->ninst; j++) {
			if (template_of(cfg->inst[j]->section, cfg->inst[j]->kind_len) != sec)
				continue;
			for (size_t k = i; config_keys[k].section != NULL && strcmp(config_keys[k].section, sec) == 0;
			    k++)
				dump_value(out, cfg->inst[j]->section, config_keys[k].key, &cfg->inst[j]->values[k]);
		}
	}
}

void
config_builtin_lines(const char *tmpl, void (*line)(const char *s, size_t len, void *arg), void *arg)
{
	const char *s = config_builtin_sections;
	int mine = 0;

	while (*s != '\0') {
		size_t n = strcspn(s, "\n");

		if (s[0] == '[')
			mine = strncmp(s + 1, tmpl, strlen(tmpl) - 1) == 0;
		if (mine)
			line(s, n, arg);
		s += n + (s[n] == '\n');
	}
}

static void
write_commented(const char *s, size_t len, void *out)
{
	fprintf(out, len == 0 ? "#\n" : "#%.*s\n", (int)len, s);
}

/* The built-in sections of the template's kind, commented out. */
static void
write_builtin_sections(FILE *out, const char *tmpl)
{
	fputs("\n# The built-in sections:\n", out);
	config_builtin_lines(tmpl, write_commented, out);
}

void
config_key_accepts(const struct config_key *k, char *buf, size_t size)
{
	char lo[32], hi[32];

	if (k->type == CONFIG_BOOL)
		snprintf(buf, size, "yes or no");
	else if (k->type == CONFIG_ENUM)
		snprintf(buf, size, "%s", k->choices);
	else if (k->type != CONFIG_STRING)
		snprintf(buf, size, "%s to %s", bound(k->type, k->min, lo), bound(k->type, k->max, hi));
	else
		snprintf(buf, size, "%s", "");
}

int
config_key_is_template(const struct config_key *k)
{
	return is_template(k->section);
}

void
config_write_template(FILE *out)
{
	const char *section = NULL;
	char accepts[256];

	fputs("# quill.conf: configuration of the quill daemons and of quillctl.\n"
	    "#\n"
	    "# Every key is listed below, commented out, at its default: as shipped,\n"
	    "# this file changes nothing.  Remove the '#' in front of a key to set it.\n"
	    "# Sizes take a k, m or g suffix (1024-based); durations take ms, s, m, h or d\n"
	    "# (a bare number is seconds).  Put a value holding spaces or '#' in double\n"
	    "# quotes, with \\\" and \\\\ as escapes.  Each key may also be set by the\n"
	    "# environment variable QUILL_<SECTION>_<KEY> (QUILL_AUTH_LISTEN), which\n"
	    "# wins over this file.\n", out);
	for (size_t i = 0; config_keys[i].section != NULL; i++) {
		const struct config_key *k = &config_keys[i];
		int tmpl = is_template(k->section);

		if (section == NULL || strcmp(section, k->section) != 0) {
			if (tmpl) {
				char kind[NAME_MAX_LEN], env[NAME_MAX_LEN + 8];

				snprintf(kind, sizeof kind, "%.*s", (int)strlen(k->section) - 2, k->section);
				config_env_name(kind, "", env, sizeof env);
				fprintf(out, "\n# [%s.NAME]: any number of sections of this kind, each with the keys\n"
				    "# below.  Without one in this file the built-in sections listed after the\n"
				    "# keys apply; with any, exactly those in the file.  The environment sets\n"
				    "# %s<NAME>_<KEY> of a section that exists.\n#[%s.NAME]\n", kind, env, kind);
			} else
				fprintf(out, "\n[%s]\n", k->section);
		} else
			fputc('\n', out);
		section = k->section;
		/* The doc line ends with the accepted values. */
		config_key_accepts(k, accepts, sizeof(accepts));
		fprintf(out, "# %s%s%s%s", k->doc, *accepts != '\0' ? " (" : "", accepts, *accepts != '\0' ? ")" : "");
		fprintf(out, "\n#%s = ", k->key);
		write_value(out, k->def);
		fputc('\n', out);
		if (tmpl && (config_keys[i + 1].section == NULL || strcmp(config_keys[i + 1].section, section) != 0))
			write_builtin_sections(out, section);
	}
}
