/*
 * config: the INI-style configuration file, typed getters and the table of
 * every key quill knows.
 *
 * One declarative table (config_keys.c) names each key with its section,
 * type, default, limits and a one-line description.  The parser, the
 * environment overrides, `quillctl config check`, etc/quill.conf and the
 * manual are all produced from or checked against that table, so a key
 * exists in one place only.
 *
 * Precedence, highest first: environment QUILL_<SECTION>_<KEY> (upper-case),
 * the file, the table's default.  Every value is validated at load time, so
 * a getter never fails: asking for a key that is not in the table is a
 * programming error and aborts.
 */
#ifndef QUILL_CONFIG_H
#define QUILL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define EX_CONFIG_STATUS 78	/* sysexits.h EX_CONFIG */

enum config_type {
	CONFIG_STRING,
	CONFIG_INT,		/* decimal integer within [min, max] */
	CONFIG_BOOL,		/* yes/no, true/false, on/off, 1/0 */
	CONFIG_SIZE,		/* bytes, with optional k, m, g suffix (1024-based) */
	CONFIG_DURATION,	/* milliseconds; suffix ms, s, m, h or d (bare number = s) */
	CONFIG_ENUM,		/* one of the '|'-separated words in `choices` */
};

struct config_key {
	const char *section;
	const char *key;
	enum config_type type;
	const char *def;	/* default, written as it would be in the file */
	long long min, max;	/* INT, SIZE, DURATION: inclusive bounds (in bytes/ms) */
	const char *choices;	/* ENUM only */
	const char *doc;	/* one line, for etc/quill.conf and quill.conf(5) */
};

/*
 * The table, terminated by an entry whose section is NULL.  A section
 * written "kind.*" is the template of named sections [kind.NAME].
 */
extern const struct config_key config_keys[];
/* Named sections that apply for each kind the file has none of, in file syntax. */
extern const char config_builtin_sections[];

struct config;

/*
 * Reads path, applies the environment, validates everything.  On failure
 * returns NULL and writes one message "file:line: what is wrong" (or
 * "file: ..." when no line applies, e.g. a missing file) into err.
 * A NULL path means: defaults and environment only.
 */
struct config *config_load(const char *path, char *err, size_t errsize);
void config_free(struct config *cfg);

const char *config_str(const struct config *cfg, const char *section, const char *key);
long long config_int(const struct config *cfg, const char *section, const char *key);
bool config_bool(const struct config *cfg, const char *section, const char *key);
/* For ENUM keys: the position of the value among the key's choices, from 0. */
int config_enum(const struct config *cfg, const char *section, const char *key);
/* For SIZE (bytes) and DURATION (milliseconds) keys. */
long long config_size(const struct config *cfg, const char *section, const char *key);
long long config_duration_ms(const struct config *cfg, const char *section, const char *key);

/* "default", "path:line" or "env QUILL_SECTION_KEY". */
const char *config_source(const struct config *cfg, const char *section, const char *key);
/* Path the configuration was read from, or NULL. */
const char *config_path(const struct config *cfg);
/*
 * The named sections of a kind ("route"), in the order they were read:
 * up to max full section names ("route.auth") into names; returns how
 * many there are.  The getters take such a name as their section.
 */
size_t config_sections(const struct config *cfg, const char *kind, const char **names, size_t max);

/* Prints every key as "section.key = value  # source", in table order. */
void config_dump(const struct config *cfg, FILE *out);
/* Prints a documented configuration file with every key at its default. */
void config_write_template(FILE *out);
/* Prints quill.conf(5), every key with its default, values and variable (config_manual.c). */
void config_write_manual(FILE *out);

/*
 * What k accepts, as the template and the manual say it: "yes or no",
 * "a|b", "100ms to 1h"; "" for a string.
 */
void config_key_accepts(const struct config_key *k, char *buf, size_t size);
/* Calls line() with each line, newline left out, of tmpl's ("route.*") built-in sections. */
void config_builtin_lines(const char *tmpl, void (*line)(const char *s, size_t len, void *arg), void *arg);
/* Whether k belongs to the template of named sections ("route.*"). */
int config_key_is_template(const struct config_key *k);
/* The variable that sets key in section (QUILL_AUTH_LISTEN); key "" gives the prefix. */
void config_env_name(const char *section, const char *key, char *buf, size_t size);

#endif
