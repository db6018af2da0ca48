/*
 * routes.c: the gateway's settings and route table, read from [gateway]
 * and the [route.NAME] sections.
 *
 * Everything a value can be wrong about is found here, at start or on
 * reload, with one message naming the section and key: a prefix that is
 * not an absolute path, an upstream address that does not parse, a rate
 * that does not parse, too many of anything.  Workers never meet a bad
 * table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "bin/quill-gatewayd/gateway.h"

/* Calls fn for each space-separated word of text; stops at the first -1. */
static int
each_word(const char *text, int (*fn)(void *arg, const char *word, size_t len), void *arg)
{
	const char *p = text;

	for (;;) {
		size_t len;

		p += strspn(p, " \t,");
		if (*p == '\0')
			return 0;
		len = strcspn(p, " \t,");
		if (fn(arg, p, len) == -1)
			return -1;
		p += len;
	}
}

struct reading {
	struct gw_route *route;
	struct gw_config *cfg;
	const char *section;
	char *err;
	size_t errsize;
};

static int
add_prefix(void *arg, const char *word, size_t len)
{
	struct reading *rd = arg;
	struct gw_route *rt = rd->route;

	while (len > 1 && word[len - 1] == '/')
		len--;		/* "/api/x/" is "/api/x" */
	if (rt->nprefixes == GW_MAX_PREFIXES || len >= sizeof(rt->prefixes[0])) {
		snprintf(rd->err, rd->errsize, "[%s] prefix: at most %d prefixes of fewer than %zu characters",
		    rd->section, GW_MAX_PREFIXES, sizeof(rt->prefixes[0]));
		return -1;
	}
	if (word[0] != '/' || memchr(word, '{', len) != NULL || memchr(word, '*', len) != NULL ||
	    memchr(word, '}', len) != NULL) {
		snprintf(rd->err, rd->errsize, "[%s] prefix: \"%.*s\" is not an absolute path", rd->section,
		    (int)(len > 64 ? 64 : len), word);
		return -1;
	}
	memcpy(rt->prefixes[rt->nprefixes], word, len);
	rt->prefixes[rt->nprefixes][len] = '\0';
	rt->nprefixes++;
	return 0;
}

static int
add_upstream(void *arg, const char *word, size_t len)
{
	struct reading *rd = arg;
	struct gw_route *rt = rd->route;
	struct gw_upstream_spec *u;
	char msg[160];

	if (rt->nupstreams == GW_MAX_UPSTREAMS || len >= sizeof(u->spec)) {
		snprintf(rd->err, rd->errsize, "[%s] upstreams: at most %d of fewer than %zu characters",
		    rd->section, GW_MAX_UPSTREAMS, sizeof(u->spec));
		return -1;
	}
	u = &rt->upstreams[rt->nupstreams];
	memcpy(u->spec, word, len);
	u->spec[len] = '\0';
	if (listen_parse(u->spec, &u->addr, msg, sizeof(msg)) != 0) {
		snprintf(rd->err, rd->errsize, "[%s] upstreams: %s", rd->section, msg);
		return -1;
	}
	/* The Host header: the address as written, or "localhost" for a unix socket. */
	snprintf(u->authority, sizeof(u->authority), "%s", u->addr.is_unix ? "localhost" : u->spec);
	rt->nupstreams++;
	return 0;
}

static int
read_rate(const struct config *cfg, const char *section, const char *key, struct ratelimit_rule *out,
    char *err, size_t errsize)
{
	char msg[160];

	if (ratelimit_parse(config_str(cfg, section, key), out, msg, sizeof(msg)) == 0)
		return 0;
	snprintf(err, errsize, "[%s] %s: %s", section, key, msg);
	return -1;
}

static int
read_route(const struct config *cfg, const char *section, struct gw_config *out, char *err, size_t errsize)
{
	struct gw_route *rt = &out->routes[out->nroutes];
	struct reading rd = { .route = rt, .cfg = out, .section = section, .err = err, .errsize = errsize };

	memset(rt, 0, sizeof(*rt));
	snprintf(rt->name, sizeof(rt->name), "%s", strchr(section, '.') + 1);
	if (each_word(config_str(cfg, section, "prefix"), add_prefix, &rd) == -1 ||
	    each_word(config_str(cfg, section, "upstreams"), add_upstream, &rd) == -1)
		return -1;
	if (rt->nprefixes == 0) {
		snprintf(err, errsize, "[%s] prefix: a route needs at least one path prefix", section);
		return -1;
	}
	if (rt->nupstreams == 0) {
		snprintf(err, errsize, "[%s] upstreams: a route needs at least one upstream", section);
		return -1;
	}
	rt->least_conn = strcmp(config_str(cfg, section, "balance"), "least_conn") == 0;
	rt->public = strcmp(config_str(cfg, section, "auth"), "public") == 0;
	rt->websocket = config_bool(cfg, section, "websocket");
	rt->timeout_ms = (uint64_t)config_duration_ms(cfg, section, "timeout");
	rt->max_body = (size_t)config_size(cfg, section, "max_body");
	if (read_rate(cfg, section, "rate_ip", &rt->rate_ip, err, errsize) == -1 ||
	    read_rate(cfg, section, "rate_user", &rt->rate_user, err, errsize) == -1)
		return -1;
	out->nroutes++;
	return 0;
}

static int
add_proxy(void *arg, const char *word, size_t len)
{
	struct reading *rd = arg;
	char text[64];

	if (rd->cfg->nproxies == GW_MAX_PROXIES || len >= sizeof(text)) {
		snprintf(rd->err, rd->errsize, "[gateway] trusted_proxies: at most %d networks", GW_MAX_PROXIES);
		return -1;
	}
	memcpy(text, word, len);
	text[len] = '\0';
	if (netmask_parse(text, &rd->cfg->proxies[rd->cfg->nproxies]) != 0) {
		snprintf(rd->err, rd->errsize, "[gateway] trusted_proxies: \"%s\" is not an address or network", text);
		return -1;
	}
	rd->cfg->nproxies++;
	return 0;
}

static int
add_origin(void *arg, const char *word, size_t len)
{
	struct reading *rd = arg;
	struct gw_config *c = rd->cfg;

	if (len == 1 && word[0] == '*') {
		c->any_origin = true;
		return 0;
	}
	if (c->norigins == GW_MAX_ORIGINS || len >= sizeof(c->origins[0]) ||
	    (strncmp(word, "http://", 7) != 0 && strncmp(word, "https://", 8) != 0)) {
		snprintf(rd->err, rd->errsize, "[gateway] cors_origins: \"%.*s\": an origin is scheme://host[:port] "
		    "(at most %d of them), or *", (int)(len > 64 ? 64 : len), word, GW_MAX_ORIGINS);
		return -1;
	}
	memcpy(c->origins[c->norigins], word, len);
	c->origins[c->norigins][len] = '\0';
	c->norigins++;
	return 0;
}

int
gw_config_read(const struct config *cfg, struct gw_config *out, char *err, size_t errsize)
{
	struct reading rd = { .cfg = out, .section = "gateway", .err = err, .errsize = errsize };
	const char *names[GW_MAX_ROUTES + 1];
	size_t n = config_sections(cfg, "route", names, GW_MAX_ROUTES + 1);

	memset(out, 0, sizeof(*out));
	if (n > GW_MAX_ROUTES) {
		snprintf(err, errsize, "at most %d [route.NAME] sections", GW_MAX_ROUTES);
		return -1;
	}
	if (n == 0) {
		snprintf(err, errsize, "no [route.NAME] section: the gateway has nothing to forward");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (read_route(cfg, names[i], out, err, errsize) == -1)
			return -1;
	if (each_word(config_str(cfg, "gateway", "trusted_proxies"), add_proxy, &rd) == -1 ||
	    each_word(config_str(cfg, "gateway", "cors_origins"), add_origin, &rd) == -1)
		return -1;
	out->cors_credentials = config_bool(cfg, "gateway", "cors_credentials");
	if (out->cors_credentials && out->any_origin) {
		snprintf(err, errsize, "[gateway] cors_credentials needs cors_origins listed one by one, not *");
		return -1;
	}
	snprintf(out->cors_methods, sizeof(out->cors_methods), "%s", config_str(cfg, "gateway", "cors_methods"));
	snprintf(out->cors_headers, sizeof(out->cors_headers), "%s", config_str(cfg, "gateway", "cors_headers"));
	snprintf(out->cors_max_age, sizeof(out->cors_max_age), "%lld",
	    config_duration_ms(cfg, "gateway", "cors_max_age") / 1000);
	out->cooldown_ms = (uint64_t)config_duration_ms(cfg, "gateway", "upstream_cooldown");
	out->health_interval_ms = (uint64_t)config_duration_ms(cfg, "gateway", "upstream_health_interval");
	out->idle_timeout_ms = (uint64_t)config_duration_ms(cfg, "gateway", "upstream_idle_timeout");
	out->websocket_timeout_ms = (uint64_t)config_duration_ms(cfg, "gateway", "websocket_timeout");
	return 0;
}

bool
gw_config_same_routes(const struct gw_config *a, const struct gw_config *b)
{
	if (a->nroutes != b->nroutes)
		return false;
	for (int i = 0; i < a->nroutes; i++) {
		const struct gw_route *x = &a->routes[i], *y = &b->routes[i];

		if (strcmp(x->name, y->name) != 0 || x->nprefixes != y->nprefixes || x->max_body != y->max_body)
			return false;
		for (int j = 0; j < x->nprefixes; j++)
			if (strcmp(x->prefixes[j], y->prefixes[j]) != 0)
				return false;
	}
	return true;
}
