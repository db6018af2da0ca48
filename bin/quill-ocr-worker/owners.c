/*
 * owners: who a drop-in directory named by e-mail (incoming/<email>/)
 * belongs to.  quill-authd knows (GET /internal/auth/users/lookup); the
 * answer is remembered for a while.  Asking does not block: the
 * directory is passed over until the answer comes, and then the wake
 * callback (the worker's jobs_kick) has it look again.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <h2o.h>

#include "lib/httpc.h"
#include "lib/json.h"
#include "lib/log.h"
#include "bin/quill-ocr-worker/owners.h"

#define OWNERS_MAX	64
#define FOUND_TTL_S	300	/* an account's id does not change */
#define MISSING_TTL_S	30	/* but the account may be made soon */

struct owner {
	char name[256];
	char id[UUID_STR_LEN + 1];
	enum owner_state state;
	time_t at;
	struct httpc_call *call;
};

static struct owner owners[OWNERS_MAX];
static struct httpc *http;
static const char *auth_url;
static void (*wake)(void *);
static void *wake_arg;

void
owners_init(struct httpc *h, const char *url, void (*wake_cb)(void *arg), void *arg)
{
	http = h;
	auth_url = url;
	wake = wake_cb;
	wake_arg = arg;
}

void
owners_abandon(void)
{
	for (int i = 0; i < OWNERS_MAX; i++)
		if (owners[i].call != NULL) {
			httpc_abandon(owners[i].call);
			owners[i].call = NULL;
		}
}

static void
on_answer(void *arg, const struct httpc_response *res, const char *err)
{
	struct owner *ow = arg;
	struct json_value *doc;
	const char *id;
	char perr[128], name[2 * sizeof(ow->name)], why[256];

	ow->call = NULL;
	ow->at = time(NULL);
	if (res != NULL && res->status == 404) {
		ow->state = OWNER_MISSING;
	} else if (res != NULL && res->status == 200 &&
	    (doc = json_parse(res->body, res->body_len, 0, 0, perr, sizeof(perr))) != NULL) {
		id = json_get_string(doc, "id", NULL);
		if (id != NULL && uuid_valid(id, strlen(id))) {
			snprintf(ow->id, sizeof(ow->id), "%s", id);
			ow->state = OWNER_FOUND;
		} else {
			ow->state = OWNER_EMPTY;
		}
		json_free(doc);
	} else {
		/* authd away: ask again at the next look */
		log_warnx("event=owner_lookup_failed name=%s error=%s",
		    log_quote(name, sizeof(name), ow->name, (size_t)-1),
		    log_quote(why, sizeof(why), res != NULL ? "unexpected answer" : err, (size_t)-1));
		ow->state = OWNER_EMPTY;
	}
	if (wake != NULL)
		wake(wake_arg);
}

static void
ask(struct owner *ow)
{
	char url[1024], *esc;
	h2o_mem_pool_t pool;

	h2o_mem_init_pool(&pool);
	esc = h2o_uri_escape(&pool, ow->name, strlen(ow->name), NULL).base;
	snprintf(url, sizeof(url), "%s/internal/auth/users/lookup?email=%s", auth_url, esc);
	h2o_mem_clear_pool(&pool);
	ow->state = OWNER_PENDING;
	if ((ow->call = httpc_request(http, url, NULL, on_answer, ow)) == NULL)
		ow->state = OWNER_EMPTY;
}

enum owner_state
owners_find(const char *name, char id[UUID_STR_LEN + 1])
{
	struct owner *ow = NULL, *oldest = &owners[0];
	time_t now = time(NULL);

	for (int i = 0; i < OWNERS_MAX; i++) {
		if (owners[i].state != OWNER_EMPTY && strcmp(owners[i].name, name) == 0) {
			ow = &owners[i];
			break;
		}
		if (owners[i].call == NULL && owners[i].at < oldest->at)
			oldest = &owners[i];
	}
	if (ow != NULL && (ow->state == OWNER_PENDING ||
	    now - ow->at < (ow->state == OWNER_FOUND ? FOUND_TTL_S : MISSING_TTL_S))) {
		if (ow->state == OWNER_FOUND)
			memcpy(id, ow->id, UUID_STR_LEN + 1);
		return ow->state;
	}
	if (ow == NULL) {
		if (oldest->call != NULL || strlen(name) >= sizeof(oldest->name))
			return OWNER_PENDING;
		ow = oldest;
		snprintf(ow->name, sizeof(ow->name), "%s", name);
	}
	ask(ow);
	return OWNER_PENDING;
}
