/*
 * docs.c: GET /openapi.json, the API's OpenAPI document, and GET /docs,
 * the page that renders it in a browser (doc/api/index.html and the
 * swagger-ui files installed beside it from the npm registry).
 *
 * The master reads them once, at start and on each reload, into memory:
 * the workers serve a fixed table and never touch the file system, so
 * no request can name a path outside it.  Either may be missing (an
 * install without them still forwards the API): the start-up log says
 * so once and the route answers 404.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/config.h"
#include "lib/http.h"
#include "lib/log.h"
#include "lib/router.h"
#include "bin/quill-gatewayd/gateway.h"

#define DOCS_MAX_FILES 32
#define DOCS_MAX_FILE_SIZE (16 * 1024 * 1024)

struct doc_file {
	char name[64];
	const char *content_type;
	char *body;
	size_t len;
};

static struct {
	struct doc_file openapi;
	struct doc_file files[DOCS_MAX_FILES];
	int nfiles;
} docs;

static const char *
content_type_of(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" }, { ".json", "application/json" },
		{ ".png", "image/png" }, { ".map", "application/json" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/* Reads path whole into f; -1 with errno. */
static int
read_whole(const char *path, struct doc_file *f)
{
	FILE *fp = fopen(path, "re");
	struct stat st;

	if (fp == NULL)
		return -1;
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > DOCS_MAX_FILE_SIZE) {
		fclose(fp);
		errno = EFBIG;
		return -1;
	}
	f->len = (size_t)st.st_size;
	if ((f->body = malloc(f->len + 1)) == NULL || fread(f->body, 1, f->len, fp) != f->len) {
		free(f->body);
		f->body = NULL;
		fclose(fp);
		errno = EIO;
		return -1;
	}
	fclose(fp);
	return 0;
}

static void
docs_free(void)
{
	free(docs.openapi.body);
	for (int i = 0; i < docs.nfiles; i++)
		free(docs.files[i].body);
	memset(&docs, 0, sizeof(docs));
}

/* The page's files: names of letters, digits, '.', '-' and '_' with a known type. */
static void
load_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096], quoted[4200];

	if (d == NULL) {
		log_warn("event=docs_missing dir=%s note=GET_/docs_answers_404",
		    log_quote(quoted, sizeof(quoted), dir, (size_t)-1));
		return;
	}
	while ((e = readdir(d)) != NULL && docs.nfiles < DOCS_MAX_FILES) {
		struct doc_file *f = &docs.files[docs.nfiles];
		const char *type = content_type_of(e->d_name);

		if (e->d_name[0] == '.' || type == NULL || strlen(e->d_name) >= sizeof(f->name) ||
		    strspn(e->d_name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
		    strlen(e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (read_whole(path, f) != 0) {
			log_warn("event=docs_file_unreadable path=%s", log_quote(quoted, sizeof(quoted), path, (size_t)-1));
			continue;
		}
		memcpy(f->name, e->d_name, strlen(e->d_name) + 1);	/* shorter than f->name: checked above */
		f->content_type = type;
		docs.nfiles++;
	}
	closedir(d);
}

int
gw_docs_load(const struct config *cfg, char *err, size_t errsize)
{
	const char *path = config_str(cfg, "gateway", "openapi_file");
	char quoted[4200];

	docs_free();
	if (read_whole(path, &docs.openapi) != 0)
		log_warn("event=openapi_missing path=%s note=GET_/openapi.json_answers_404",
		    log_quote(quoted, sizeof(quoted), path, (size_t)-1));
	docs.openapi.content_type = "application/json";
	load_dir(config_str(cfg, "gateway", "docs_dir"));
	return 0;
}

static void
send_file(struct http_request *hr, const struct doc_file *f, const char *cache)
{
	h2o_req_t *req = hr->req;

	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, cache, strlen(cache));
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0, NULL,
	    H2O_STRLIT("nosniff"));
	http_send_text(hr, 200, f->content_type, f->body, f->len);
}

static const struct doc_file *
find_file(const char *name)
{
	for (int i = 0; i < docs.nfiles; i++)
		if (strcmp(docs.files[i].name, name) == 0)
			return &docs.files[i];
	return NULL;
}

static void
openapi(struct http_request *hr)
{
	if (docs.openapi.body == NULL) {
		http_send_error(hr, 404, "not_found", "the OpenAPI document is not installed");
		return;
	}
	send_file(hr, &docs.openapi, "no-cache");
}

static void
docs_page(struct http_request *hr)
{
	static const char csp[] = "default-src 'self'; script-src 'self' 'unsafe-inline'; "
	    "style-src 'self' 'unsafe-inline'; img-src 'self' data:";
	const struct doc_file *f = find_file("index.html");

	if (f == NULL) {
		http_send_error(hr, 404, "not_found", "the documentation page is not installed");
		return;
	}
	h2o_add_header_by_str(&hr->req->pool, &hr->req->res.headers, H2O_STRLIT("content-security-policy"), 0, NULL,
	    csp, sizeof(csp) - 1);
	send_file(hr, f, "no-cache");
}

static void
docs_asset(struct http_request *hr)
{
	const struct doc_file *f = find_file(http_param(hr, "file"));

	if (f == NULL) {
		http_send_error(hr, 404, "not_found", "no such file");
		return;
	}
	send_file(hr, f, "public, max-age=3600");
}

void
gw_docs_add_routes(struct router *r)
{
	router_add(r, "GET", "/openapi.json", openapi, 0);
	router_add(r, "GET", "/docs", docs_page, 0);
	router_add(r, "GET", "/docs/{file}", docs_asset, 0);
}
