/*
 * dropin: `quillctl dropin allow|deny|list`, who may drop files into the
 * OCR spool as which account (bin/quill-ocr-worker/dropin.c, spool/README).
 */
#ifndef QUILLCTL_DROPIN_H
#define QUILLCTL_DROPIN_H

struct config;

/* Runs `quillctl dropin ...` (argv[0] is "dropin"); the exit status, or -1 for a usage error. */
int dropin_command(const struct config *cfg, int argc, char **argv);

#endif
