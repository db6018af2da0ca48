/*
 * config_manual: quill.conf(5), written from the key table, so that the
 * manual, etc/quill.conf and the parser cannot disagree about a key.
 * `quillctl config manual` prints it; doc/man/quill.conf.5 is its output.
 */
#include <stdio.h>
#include <string.h>

#include "lib/config.h"

/* Text for a roff line: backslashes doubled, a leading '.' or '\'' guarded. */
static void
roff_text(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

static const char intro[] =
    ".SH DESCRIPTION\n"
    "The daemons of quill and\n.B quillctl\n"
    "read one file, named with\n.BR \\-c ;\n"
    "without it they use the defaults below and the environment.\n"
    "It is made of sections,\n.BI [ name ]\n"
    "on a line of their own, and of keys,\n.IB key \" = \" value\n"
    "one to a line, in the section they belong to.\n"
    "A\n.B #\nbegins a comment that runs to the end of the line.\n"
    "A value holding spaces or\n.B #\n"
    "is put in double quotes, with\n.B \\e\"\nand\n.B \\e\\e\nas escapes.\n"
    ".PP\n"
    "Sizes take a\n.BR k ,\n.B m\nor\n.B g\n"
    "suffix (1024\\-based). Durations take\n.BR ms ,\n.BR s ,\n.BR m ,\n.B h\nor\n.BR d ;\n"
    "a bare number is seconds. Booleans are\n.BR yes / no ,\n.BR true / false ,\n"
    ".BR on / off\nor\n.BR 1 / 0 .\n"
    "Every value is checked when the file is read: a daemon refuses to start,\n"
    "or to reload, with one line naming the file, the line and what is wrong.\n"
    ".PP\n"
    "Each key may also be set by the environment variable named below it,\n"
    "which wins over the file; the file wins over the default.\n"
    ".B quillctl config check\n"
    "prints every value and where it came from.\n";

static void
write_literal(const char *s, size_t len, void *out)
{
	char line[256];

	snprintf(line, sizeof(line), "%.*s", (int)len, s);
	roff_text(out, line);
	fputc('\n', out);
}

/* The built-in sections of a template's kind, as a literal block. */
static void
builtin_sections(FILE *out, const char *tmpl)
{
	fputs(".PP\nWithout any such section in the file, these apply:\n.PP\n.RS\n.nf\n", out);
	config_builtin_lines(tmpl, write_literal, out);
	fputs(".fi\n.RE\n", out);
}

static void
section_heading(FILE *out, const struct config_key *k)
{
	char kind[64], env[96];

	if (!config_key_is_template(k)) {
		fprintf(out, ".SS [%s]\n", k->section);
		return;
	}
	snprintf(kind, sizeof(kind), "%.*s", (int)strlen(k->section) - 2, k->section);
	config_env_name(kind, "", env, sizeof(env));
	fprintf(out, ".SS [%s.\\fIname\\fP]\n", kind);
	fprintf(out, "Any number of sections of this kind, each with the keys below.\n"
	    "With one or more in the file, exactly those apply.\n"
	    "The environment sets\n.BI %s name _ KEY\nof a section that exists.\n", env);
}

static void
key_entry(FILE *out, const struct config_key *k)
{
	char accepts[256], env[96];

	fputs(".TP\n.B ", out);
	roff_text(out, k->key);
	fputs("\n", out);
	roff_text(out, k->doc);
	fputs(".\n.br\nDefault:\n", out);
	if (*k->def == '\0')
		fputs("empty.\n", out);
	else {
		fputs(".BR \"", out);
		roff_text(out, k->def);
		fputs("\" .\n", out);
	}
	config_key_accepts(k, accepts, sizeof(accepts));
	if (*accepts != '\0') {
		fputs("Accepts: ", out);
		roff_text(out, accepts);
		fputs(".\n", out);
	}
	if (!config_key_is_template(k)) {
		config_env_name(k->section, k->key, env, sizeof(env));
		fprintf(out, ".br\nEnvironment:\n.BR %s .\n", env);
	}
}

void
config_write_manual(FILE *out)
{
	const char *section = NULL;

	fprintf(out, ".\\\" quill.conf(5), written by quillctl config manual from lib/config_keys.c\n"
	    ".TH QUILL.CONF 5 \"\" \"quill\" \"File Formats\"\n"
	    ".SH NAME\nquill.conf \\- configuration of the quill daemons and quillctl\n"
	    ".SH SYNOPSIS\n.I %s/quill.conf\n", QUILL_SYSCONFDIR);
	fputs(intro, out);
	fputs(".SH KEYS\n", out);
	for (size_t i = 0; config_keys[i].section != NULL; i++) {
		const struct config_key *k = &config_keys[i];

		if (section == NULL || strcmp(section, k->section) != 0)
			section_heading(out, k);
		section = k->section;
		key_entry(out, k);
		if (config_key_is_template(k) &&
		    (config_keys[i + 1].section == NULL || strcmp(config_keys[i + 1].section, section) != 0))
			builtin_sections(out, section);
	}
	fprintf(out, ".SH FILES\n.TP\n.I %s/quill.conf\nthe configuration, as installed\n", QUILL_SYSCONFDIR);
}
