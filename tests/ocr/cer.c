/*
 * cer: character error rate and word recall of one OCR text against its
 * ground truth, as tests/ocr/score.h defines them, for the OCR tests and
 * for comparing tesseract set-ups by hand.
 *
 *   cer [--fold-quotes] REFERENCE_FILE HYPOTHESIS_FILE
 *
 * Prints "cer=0.0123 ref_chars=284 edits=3 word_recall=0.9800" and exits 0;
 * exits 2 when the arguments are wrong or a file cannot be read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/ocr/score.h"

static int
usage(void)
{
	fprintf(stderr, "usage: cer [--fold-quotes] REFERENCE_FILE HYPOTHESIS_FILE\n");
	return 2;
}

int
main(int argc, char **argv)
{
	int fold = 0, rc = 2;
	char *ref = NULL, *hyp = NULL;
	size_t ref_len, hyp_len;
	struct score s;

	if (argc > 1 && strcmp(argv[1], "--fold-quotes") == 0) {
		fold = 1;
		argc--, argv++;
	}
	if (argc != 3)
		return usage();
	if (score_read_file(argv[1], &ref, &ref_len) != 0)
		fprintf(stderr, "cer: %s: %s\n", argv[1], strerror(errno));
	else if (score_read_file(argv[2], &hyp, &hyp_len) != 0)
		fprintf(stderr, "cer: %s: %s\n", argv[2], strerror(errno));
	else if (score_texts(ref, ref_len, hyp, hyp_len, fold, &s) != 0)
		fprintf(stderr, "cer: out of memory\n");
	else {
		printf("cer=%.4f ref_chars=%zu edits=%zu word_recall=%.4f\n",
		    score_cer(&s), s.ref_chars, s.edits, score_word_recall(&s));
		rc = 0;
	}
	free(ref);
	free(hyp);
	return rc;
}
