/*
 * ocr_words: see ocr_words.h.
 *
 * The walk goes word by word.  A word tells whether it begins a block, a
 * paragraph or a line; the containers are opened lazily, at the first word
 * with text, so a block without text (a picture, a rule) leaves no empty
 * div behind, and a boundary met on such a word is carried to the next one.
 * x_wconf is the word's confidence cut to an integer, as tesseract's
 * renderer writes it.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/json.h"
#include "lib/ocr_text_place.h"
#include "lib/ocr_words.h"

/* s as XML character data or attribute value; control bytes are left out. */
static void
add_escaped(struct strbuf *t, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if ((unsigned char)*s >= 0x20)
				continue;
			rep = "";
		}
		strbuf_add(t, run, (size_t)(s - run));
		strbuf_adds(t, rep);
		run = s + 1;
	}
	strbuf_add(t, run, (size_t)(s - run));
}

enum { LINE, PAR, BLOCK, NLEVELS };

static const char *const close_tag[NLEVELS] = { "</span>\n", "</p>\n", "</div>\n" };

struct walk {
	struct strbuf *hocr;
	struct strbuf *text;
	const TessPageIterator *pi;
	int page;
	int count[NLEVELS + 1];	/* ids given per level; the last is words */
	bool open[NLEVELS];
	bool begins[NLEVELS];	/* a boundary seen since the last word written */
	struct ocr_text_lines *lines;	/* the text's lines, kept when the second look's go among them */
};

/* Closes the containers from LINE up to and including level. */
static void
close_up_to(struct walk *w, int level)
{
	for (int l = LINE; l <= level; l++)
		if (w->open[l]) {
			strbuf_adds(w->hocr, close_tag[l]);
			w->open[l] = false;
		}
}

static void
open_block(struct walk *w, const int b[4])
{
	strbuf_printf(w->hocr, "<div class='ocr_carea' id='block_%d_%d' title='bbox %d %d %d %d'>\n",
	    w->page, ++w->count[BLOCK], b[0], b[1], b[2], b[3]);
	w->open[BLOCK] = true;
}

static void
open_par(struct walk *w, const char *lang, const int b[4])
{
	strbuf_printf(w->hocr, "<p class='ocr_par' id='par_%d_%d'", w->page, ++w->count[PAR]);
	if (lang != NULL && lang[0] != '\0') {
		strbuf_adds(w->hocr, " lang='");
		add_escaped(w->hocr, lang);
		strbuf_adds(w->hocr, "'");
	}
	strbuf_printf(w->hocr, " title='bbox %d %d %d %d'>\n", b[0], b[1], b[2], b[3]);
	w->open[PAR] = true;
}

/* A line's opening tag up to its bbox; the caller ends the title. */
static void
open_line_tag(struct walk *w, const int b[4])
{
	strbuf_printf(w->hocr, "<span class='ocr_line' id='line_%d_%d' title='bbox %d %d %d %d",
	    w->page, ++w->count[LINE], b[0], b[1], b[2], b[3]);
	w->open[LINE] = true;
}

/* The box of the iterator's element at level. */
static void
level_box(const struct walk *w, TessPageIteratorLevel level, int b[4])
{
	b[0] = b[1] = b[2] = b[3] = 0;
	TessPageIteratorBoundingBox(w->pi, level, &b[0], &b[1], &b[2], &b[3]);
}

/*
 * hOCR's baseline is "slope offset", relative to the bottom left corner
 * of the line's box, rounded to thousandths as tesseract's renderer does.
 */
static void
open_line(struct walk *w)
{
	int b[4], b1x, b1y, b2x, b2y;

	level_box(w, RIL_TEXTLINE, b);
	open_line_tag(w, b);
	if (w->lines != NULL)
		ocr_text_lines_begin(w->lines, w->text->len, b);
	if (TessPageIteratorBaseline(w->pi, RIL_TEXTLINE, &b1x, &b1y, &b2x, &b2y)) {
		double dx = b2x - b1x, slope = dx != 0 ? (b2y - b1y) / dx : 0;
		double offset = (b1y - b[3]) - slope * (b1x - b[0]);

		strbuf_printf(w->hocr, "; baseline %g %g", round(slope * 1000) / 1000 + 0.0,
		    round(offset * 1000) / 1000 + 0.0);
	}
	strbuf_adds(w->hocr, "'>\n");
}

/* The containers the word at the iterator begins, opened before it. */
static void
open_containers(struct walk *w, const TessResultIterator *it)
{
	int b[4];

	if (w->begins[BLOCK] || !w->open[BLOCK]) {
		close_up_to(w, BLOCK);
		level_box(w, RIL_BLOCK, b);
		open_block(w, b);
	}
	if (w->begins[PAR] || !w->open[PAR]) {
		close_up_to(w, PAR);
		level_box(w, RIL_PARA, b);
		open_par(w, TessResultIteratorWordRecognitionLanguage(it), b);
	}
	if (w->begins[LINE] || !w->open[LINE]) {
		close_up_to(w, LINE);
		open_line(w);
	}
	memset(w->begins, 0, sizeof(w->begins));
}

static void
add_word_json(yajl_gen g, const char *text, float conf, int page, int line, const int box[4])
{
	yajl_gen_map_open(g);
	json_gen_kv_string(g, "text", text);
	json_gen_kv_double(g, "confidence", (double)(long)(conf * 100.0f + 0.5f) / 100.0);
	json_gen_kv_int(g, "page", page);
	json_gen_kv_int(g, "line", line);
	json_gen_key(g, "box");
	yajl_gen_array_open(g);
	for (int i = 0; i < 4; i++)
		yajl_gen_integer(g, box[i]);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}

/*
 * The plain text is laid out as tesseract's GetUTF8Text lays it out: the
 * words of a line joined by spaces, a newline after each line and one
 * more before a new paragraph.  Made here, it saves that call another walk
 * over the page.
 */
static void
separate(struct walk *w)
{
	if (w->count[NLEVELS] == 0)
		return;
	if (!w->begins[LINE])
		strbuf_adds(w->text, " ");
	else
		strbuf_adds(w->text, w->begins[PAR] || w->begins[BLOCK] ? "\n\n" : "\n");
}

char *
ocr_word_at(TessResultIterator *it, const TessPageIterator *pi, int box[4])
{
	char *text = TessResultIteratorGetUTF8Text(it, RIL_WORD);

	if (text == NULL)
		return NULL;
	if (text[strspn(text, " ")] == '\0' || !TessPageIteratorBoundingBox(pi, RIL_WORD, &box[0], &box[1], &box[2],
	    &box[3])) {
		TessDeleteText(text);
		return NULL;
	}
	return text;
}

/* One word, in the open line, in the hOCR and the JSON, and in the text unless to_text is false. */
static void
write_word(struct walk *w, const char *text, float conf, const int box[4], bool to_text, yajl_gen words,
    struct ocr_word_stats *stats)
{
	strbuf_printf(w->hocr, "<span class='ocrx_word' id='word_%d_%d' title='bbox %d %d %d %d; x_wconf %d'>",
	    w->page, ++w->count[NLEVELS], box[0], box[1], box[2], box[3], (int)conf);
	add_escaped(w->hocr, text);
	strbuf_adds(w->hocr, "</span>\n");
	if (to_text) {
		size_t start = w->text->len;

		strbuf_adds(w->text, text);
		if (w->lines != NULL)
			ocr_text_lines_word(w->lines, start, w->text->len, box[0]);
	}
	/* the line's hOCR id: tesseract's text line, numbered per page from 1 */
	add_word_json(words, text, conf, w->page, w->count[LINE], box);
	stats->conf_sum += conf;
	stats->words++;
}

/* b grown to take in c. */
static void
grow_box(int b[4], const int c[4])
{
	b[0] = c[0] < b[0] ? c[0] : b[0];
	b[1] = c[1] < b[1] ? c[1] : b[1];
	b[2] = c[2] > b[2] ? c[2] : b[2];
	b[3] = c[3] > b[3] ? c[3] : b[3];
}

/*
 * The second reading's words (grouped by run, ocr_second_look.h) after
 * the first's, as one more block of the page: a line per run, numbered
 * on from the page's last.  In the plain text they go where they stand
 * (ocr_text_place.h), or after the rest when that cannot be done.
 */
static void
write_amends(struct walk *w, const struct ocr_amends *am, size_t page_start, yajl_gen words,
    struct ocr_word_stats *stats)
{
	int all[4], line[4];
	bool placed;

	if (am == NULL || am->nwords == 0)
		return;
	placed = w->lines != NULL && ocr_text_place(w->text, page_start, w->lines, am) == 0;
	memcpy(all, am->words[0].box, sizeof(all));
	for (size_t i = 1; i < am->nwords; i++)
		grow_box(all, am->words[i].box);
	close_up_to(w, BLOCK);
	w->begins[BLOCK] = w->begins[PAR] = true;
	open_block(w, all);
	open_par(w, NULL, all);
	for (size_t i = 0; i < am->nwords; i++) {
		const struct ocr_reread_word *rw = &am->words[i];

		if (i == 0 || rw->run != am->words[i - 1].run) {
			close_up_to(w, LINE);
			memcpy(line, rw->box, sizeof(line));
			for (size_t j = i + 1; j < am->nwords && am->words[j].run == rw->run; j++)
				grow_box(line, am->words[j].box);
			open_line_tag(w, line);
			strbuf_adds(w->hocr, "'>\n");
			w->begins[LINE] = true;
		}
		if (!placed)
			separate(w);
		memset(w->begins, 0, sizeof(w->begins));
		write_word(w, rw->text, rw->conf, rw->box, !placed, words, stats);
	}
}

void
ocr_words_page(TessBaseAPI *api, int page, int width, int height, struct strbuf *text,
    struct strbuf *hocr, yajl_gen words, struct ocr_word_stats *stats, const struct ocr_amends *am)
{
	struct ocr_text_lines lines = { 0 };
	struct walk w = { .hocr = hocr, .text = text, .page = page,
		.lines = am != NULL && am->nwords > 0 ? &lines : NULL };
	TessResultIterator *it = TessBaseAPIGetIterator(api);
	size_t nth = 0, page_start = text->len;

	strbuf_printf(hocr, "<div class='ocr_page' id='page_%d' title='bbox 0 0 %d %d; ppageno %d'>\n",
	    page, width, height, page - 1);
	if (it != NULL) {
		w.pi = TessResultIteratorGetPageIteratorConst(it);
		do {
			char *text;
			int box[4];

			/* each question walks the word's line (tesseract works out its
			   reading order), and only a line's first word can begin more */
			if (TessPageIteratorIsAtBeginningOf(w.pi, RIL_TEXTLINE)) {
				w.begins[LINE] = true;
				if (TessPageIteratorIsAtBeginningOf(w.pi, RIL_PARA)) {
					w.begins[PAR] = true;
					if (TessPageIteratorIsAtBeginningOf(w.pi, RIL_BLOCK))
						w.begins[BLOCK] = true;
				}
			}
			if ((text = ocr_word_at(it, w.pi, box)) == NULL)
				continue;
			/* a word the second look replaced leaves its boundaries to the next */
			if (am != NULL && nth < am->nfirst && am->replaced[nth++]) {
				TessDeleteText(text);
				continue;
			}
			separate(&w);
			open_containers(&w, it);
			write_word(&w, text, TessResultIteratorConfidence(it, RIL_WORD), box, true, words, stats);
			TessDeleteText(text);
		} while (TessResultIteratorNext(it, RIL_WORD));
		TessResultIteratorDelete(it);
	}
	write_amends(&w, am, page_start, words, stats);
	ocr_text_lines_free(&lines);
	close_up_to(&w, BLOCK);
	strbuf_adds(hocr, "</div>\n");
	/* the last line's end, and a paragraph's when one began after it in
	   lines without words */
	if (w.count[NLEVELS] > 0)
		strbuf_adds(w.text, w.begins[PAR] ? "\n\n" : "\n");
}
