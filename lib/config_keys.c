/*
 * config_keys: every configuration key quill reads, with its default and
 * documentation.  This table is the single source of truth: the parser
 * rejects keys not listed here, `quillctl config template` writes
 * etc/quill.conf from it, and a test checks that the two agree.
 *
 * Paths default under the directories chosen at ./configure time.
 */
#include "config.h"
#include "lib/config.h"

#define KB 1024LL
#define MB (1024LL * KB)
#define GB (1024LL * MB)
#define SEC 1000LL
#define MINUTE (60LL * SEC)
#define HOUR (3600LL * SEC)
#define DAY (24LL * HOUR)

#define LISTEN_KEY(sec, addr, what) \
	{ sec, "listen", CONFIG_STRING, addr, 0, 0, NULL, "address and port " what " listens on (host:port, [v6]:port or unix:/path)" }
#define WORKERS_KEY(sec) \
	{ sec, "workers", CONFIG_INT, "0", 0, 256, NULL, "worker processes; 0 means one per CPU core" }
#define DATABASE_KEY(sec, role) \
	{ sec, "database", CONFIG_STRING, "dbname=quill user=" role, 0, 0, NULL, "libpq conninfo of this service's own login role" }

const struct config_key config_keys[] = {
	{ "global", "user", CONFIG_STRING, "quill", 0, 0, NULL,
	  "account the daemons switch to when started as root (empty: stay as started)" },
	{ "global", "run_dir", CONFIG_STRING, QUILL_RUNSTATEDIR "/quill", 0, 0, NULL,
	  "directory for pid files" },
	{ "global", "spool_dir", CONFIG_STRING, QUILL_LOCALSTATEDIR "/spool/quill", 0, 0, NULL,
	  "root of the OCR spool (tmp, new, cur, done, failed, incoming)" },

	{ "log", "target", CONFIG_ENUM, "stderr", 0, 0, "stderr|syslog|file",
	  "where log lines go; file means one file per program in directory, reopened on SIGUSR1 or SIGHUP" },
	{ "log", "directory", CONFIG_STRING, QUILL_LOCALSTATEDIR "/log/quill", 0, 0, NULL,
	  "directory of the log files when target is file (<program>.log)" },
	{ "log", "level", CONFIG_ENUM, "info", 0, 0, "error|warn|info|debug",
	  "lowest level written" },
	{ "log", "access", CONFIG_BOOL, "yes", 0, 0, NULL,
	  "write one access line per HTTP request" },
	{ "log", "syslog_facility", CONFIG_ENUM, "daemon", 0, 0,
	  "daemon|user|local0|local1|local2|local3|local4|local5|local6|local7",
	  "syslog facility when target is syslog" },

	{ "master", "drain_timeout", CONFIG_DURATION, "30s", 100, 1 * HOUR, NULL,
	  "how long stopping or reloaded workers may finish in-flight requests or jobs before the master kills them (SIGKILL), so a stop always ends" },
	{ "master", "restart_backoff_max", CONFIG_DURATION, "30s", 100, 1 * HOUR, NULL,
	  "longest wait before restarting a worker that keeps dying" },
	{ "master", "crash_limit", CONFIG_INT, "5", 1, 1000, NULL,
	  "worker deaths within crash_window that count as a crash loop" },
	{ "master", "crash_window", CONFIG_DURATION, "10s", 1 * SEC, 1 * HOUR, NULL,
	  "window over which worker deaths are counted" },

	{ "http", "max_body", CONFIG_SIZE, "1m", 1 * KB, 1 * GB, NULL,
	  "largest request body accepted (413 above it)" },
	{ "http", "body_memory", CONFIG_SIZE, "1m", 64 * KB, 1 * GB, NULL,
	  "a request body whose buffer reaches this is kept in an unlinked file under body_buffer_dir, not in memory (the buffer grows by doubling, so from a body of about half this)" },
	{ "http", "body_buffer_dir", CONFIG_STRING, "/var/tmp", 0, 0, NULL,
	  "directory for those buffer files; keep it off the OCR spool's file system so a full spool still answers 507" },
	{ "http", "cpu_slice_us", CONFIG_INT, "500", 0, 100000, NULL,
	  "CPU slice in microseconds the HTTP workers ask of the kernel (Linux 6.12+): short, so a request is served at once while OCR keeps the cores busy; 0: the kernel's default" },
	{ "http", "metrics_allow", CONFIG_STRING, "127.0.0.0/8 ::1", 0, 0, NULL,
	  "addresses or networks (10.0.0.0/8) of the connections, never a forwarded header, that may read GET /metrics, space-separated; others get 403" },
	{ "http", "keepalive_timeout", CONFIG_DURATION, "10s", 100, 1 * HOUR, NULL,
	  "how long an idle connection, or one sending its request headers, is kept" },

	{ "sentiment", "lexicon", CONFIG_STRING, QUILL_DATADIR "/quill/vader_lexicon.txt", 0, 0, NULL,
	  "VADER's lexicon (vader_lexicon.txt of the npm package vader-sentiment 1.1.3), installed by make install" },

	{ "database", "admin", CONFIG_STRING, "dbname=quill", 0, 0, NULL,
	  "libpq conninfo used by quillctl migrate (a role that may create schemas and roles)" },
	{ "database", "migrations_dir", CONFIG_STRING, QUILL_DATADIR "/quill/sql", 0, 0, NULL,
	  "directory holding one folder of numbered .sql migrations per schema" },
	{ "database", "pool_size", CONFIG_INT, "2", 1, 64, NULL,
	  "connections each worker keeps to its database" },
	{ "database", "connect_timeout", CONFIG_DURATION, "3s", 100, 60 * SEC, NULL,
	  "how long one connection attempt may take" },
	{ "database", "query_timeout", CONFIG_DURATION, "5s", 10, 10 * 60 * SEC, NULL,
	  "how long one query may take before it is cancelled" },

	LISTEN_KEY("gateway", "127.0.0.1:8000", "the gateway"),
	WORKERS_KEY("gateway"),
	{ "gateway", "tls_certificate", CONFIG_STRING, "", 0, 0, NULL,
	  "PEM certificate chain: when set with tls_key, the gateway speaks HTTPS (HTTP/1.1 and HTTP/2) only" },
	{ "gateway", "tls_key", CONFIG_STRING, "", 0, 0, NULL,
	  "PEM private key of tls_certificate (read after privileges are dropped)" },
	{ "gateway", "trusted_proxies", CONFIG_STRING, "", 0, 0, NULL,
	  "addresses or networks (10.0.0.0/8) of proxies in front whose X-Forwarded-For is believed, space-separated" },
	{ "gateway", "upstream_cooldown", CONFIG_DURATION, "5s", 100, 10 * MINUTE, NULL,
	  "how long an upstream that refused a connection or broke an answer is skipped" },
	{ "gateway", "upstream_health_interval", CONFIG_DURATION, "2s", 0, 10 * MINUTE, NULL,
	  "how often each upstream's GET /readyz is asked; one not ready gets requests only when none is (0: never ask)" },
	{ "gateway", "upstream_idle_timeout", CONFIG_DURATION, "2s", 100, 1 * HOUR, NULL,
	  "idle keep-alive connections to upstreams are closed after this (keep it below theirs)" },
	{ "gateway", "websocket_timeout", CONFIG_DURATION, "5m", 1 * SEC, 1 * DAY, NULL,
	  "a WebSocket passed through with no traffic either way for this long is closed" },
	{ "gateway", "rate_limit_entries", CONFIG_INT, "65536", 1024, 16777216, NULL,
	  "rate-limit buckets shared by the workers (clients and users tracked at once)" },
	{ "gateway", "cors_origins", CONFIG_STRING, "", 0, 0, NULL,
	  "origins browsers may call the API from, space-separated, or * for any (empty: none)" },
	{ "gateway", "cors_methods", CONFIG_STRING, "GET, POST, PATCH, DELETE", 0, 0, NULL,
	  "methods a preflight allows" },
	{ "gateway", "cors_headers", CONFIG_STRING, "Authorization, Content-Type, X-Request-Id", 0, 0, NULL,
	  "request headers a preflight allows" },
	{ "gateway", "cors_credentials", CONFIG_BOOL, "no", 0, 0, NULL,
	  "let browsers send credentials (cookies) cross-origin; needs explicit origins, not *" },
	{ "gateway", "cors_max_age", CONFIG_DURATION, "10m", 0, 1 * DAY, NULL,
	  "how long a browser may keep a preflight's answer" },
	{ "gateway", "openapi_file", CONFIG_STRING, QUILL_DATADIR "/quill/openapi.json", 0, 0, NULL,
	  "the OpenAPI document served at GET /openapi.json" },
	{ "gateway", "docs_dir", CONFIG_STRING, QUILL_DATADIR "/quill/docs", 0, 0, NULL,
	  "the API documentation page and its assets, served at GET /docs" },

	{ "route.*", "prefix", CONFIG_STRING, "", 0, 0, NULL,
	  "path prefixes the route takes, space-separated; each matches itself and the paths below it" },
	{ "route.*", "upstreams", CONFIG_STRING, "", 0, 0, NULL,
	  "where its requests go, space-separated host:port or unix:/path; several are balanced" },
	{ "route.*", "balance", CONFIG_ENUM, "round_robin", 0, 0, "round_robin|least_conn",
	  "how a request picks one of several upstreams" },
	{ "route.*", "auth", CONFIG_ENUM, "token", 0, 0, "token|public",
	  "token: a valid access token is required (401 without); public: none is" },
	{ "route.*", "timeout", CONFIG_DURATION, "30s", 100, 1 * HOUR, NULL,
	  "how long an upstream may keep the gateway waiting for a response or more of it (504)" },
	{ "route.*", "max_body", CONFIG_SIZE, "1m", 1 * KB, 1 * GB, NULL,
	  "largest request body (413 above it)" },
	{ "route.*", "rate_ip", CONFIG_STRING, "600/1m", 0, 0, NULL,
	  "requests per client address: N/period, a bucket of N refilled over the period, or off" },
	{ "route.*", "rate_user", CONFIG_STRING, "600/1m", 0, 0, NULL,
	  "requests per signed-in user, as rate_ip (public routes have no user)" },
	{ "route.*", "websocket", CONFIG_BOOL, "no", 0, 0, NULL,
	  "pass WebSocket upgrades through to the upstream" },

	LISTEN_KEY("auth", "127.0.0.1:8001", "the auth service"),
	WORKERS_KEY("auth"),
	DATABASE_KEY("auth", "quill_auth"),
	{ "auth", "keys_dir", CONFIG_STRING, QUILL_LOCALSTATEDIR "/lib/quill/keys", 0, 0, NULL,
	  "directory of the token signing keys (mode 0600 files; one is made on first start)" },
	{ "auth", "url", CONFIG_STRING, "http://127.0.0.1:8001", 0, 0, NULL,
	  "where the other daemons reach quill-authd for its public keys and revocations" },
	{ "auth", "issuer", CONFIG_STRING, "quill", 0, 0, NULL,
	  "the iss claim of access tokens; verifiers refuse any other" },
	{ "auth", "access_token_ttl", CONFIG_DURATION, "15m", 1 * MINUTE, 1 * DAY, NULL,
	  "lifetime of an access token" },
	{ "auth", "refresh_token_ttl", CONFIG_DURATION, "30d", 1 * HOUR, 365 * DAY, NULL,
	  "lifetime of a session and its refresh token, from login" },
	{ "auth", "clock_leeway", CONFIG_DURATION, "30s", 0, 5 * MINUTE, NULL,
	  "clock skew allowed when checking a token's exp and nbf" },
	{ "auth", "argon2_opslimit", CONFIG_INT, "2", 1, 20, NULL,
	  "argon2id passes over memory per password hash" },
	{ "auth", "argon2_memlimit", CONFIG_SIZE, "64m", 8 * KB, 4 * GB, NULL,
	  "argon2id memory per password hash; changing either parameter rehashes at next login" },
	{ "auth", "hash_threads", CONFIG_INT, "1", 1, 64, NULL,
	  "password hashing threads per worker (hashing never runs on the HTTP loop)" },
	{ "auth", "hash_queue", CONFIG_INT, "16", 1, 100000, NULL,
	  "password checks each worker lets wait for a hashing thread; more are answered 503 with Retry-After" },
	{ "auth", "lockout_failures", CONFIG_INT, "5", 1, 1000, NULL,
	  "failed password checks of one account from one client address, each within lockout_window of the last, that lock that address out of that account" },
	{ "auth", "lockout_account_failures", CONFIG_INT, "30", 1, 100000, NULL,
	  "failed password checks of one account from all addresses within lockout_window after which it takes none from addresses it has no session from" },
	{ "auth", "lockout_window", CONFIG_DURATION, "15m", 1 * SEC, 1 * DAY, NULL,
	  "window for counting failed password checks, and how long a lockout lasts" },
	{ "auth", "revocation_poll", CONFIG_DURATION, "500ms", 50, 1 * SEC, NULL,
	  "how often the other daemons ask quill-authd for revoked sessions" },
	{ "auth", "revocation_max_staleness", CONFIG_DURATION, "5s", 1 * SEC, 5 * MINUTE, NULL,
	  "after this long without an answer from quill-authd, other daemons refuse tokens (503)" },
	{ "auth", "token_cache", CONFIG_INT, "4096", 0, 1000000, NULL,
	  "verified tokens each worker remembers, to skip repeat signature checks (0: none)" },

	LISTEN_KEY("chat", "127.0.0.1:8002", "the chat service"),
	WORKERS_KEY("chat"),
	DATABASE_KEY("chat", "quill_chat"),

	LISTEN_KEY("ocr", "127.0.0.1:8003", "the OCR service"),
	WORKERS_KEY("ocr"),
	DATABASE_KEY("ocr", "quill_ocr"),
	{ "ocr", "max_upload", CONFIG_SIZE, "20m", 1 * KB, 1 * GB, NULL,
	  "largest image an upload may carry (413 above it, before the body is read when it says its length)" },
	{ "ocr", "max_pixels", CONFIG_INT, "100000000", 1, 4000000000LL, NULL,
	  "most pixels an image may declare (width times height); more is refused unread (422)" },
	{ "ocr", "max_event_streams_per_user", CONFIG_INT, "8", 1, 10000, NULL,
	  "job event streams one user may hold open at once, over all workers (429 above)" },
	{ "ocr", "event_stream_max", CONFIG_DURATION, "1h", 1 * SEC, 1 * DAY, NULL,
	  "longest a job event stream lasts; it also ends at its token's expiry or revocation" },

	WORKERS_KEY("ocr_worker"),
	DATABASE_KEY("ocr_worker", "quill_ocr"),
	{ "ocr_worker", "engine", CONFIG_ENUM, "tesseract", 0, 0, "tesseract|fake",
	  "the OCR engine: tesseract; fake reads no pixels and obeys a quill-fake: command in the file (sleep, spin, fail, crash), for tests only: never with real users" },
	{ "ocr_worker", "languages", CONFIG_STRING, "vie+eng", 0, 0, NULL,
	  "tesseract languages of a job that asks for none (drop-ins too), joined by + (the first is the primary); their traineddata must be installed; vie+eng reads Vietnamese invoices and loses nothing on English ones (doc/OCR-MEASUREMENTS.md)" },
	{ "ocr_worker", "allowed_languages", CONFIG_STRING, "eng vie", 0, 0, NULL,
	  "languages an upload may ask for with ?lang=vie+eng (besides those of languages), separated by spaces; each needs its traineddata on the workers' machine; empty: only languages" },
	{ "ocr_worker", "max_engines", CONFIG_INT, "2", 0, 16, NULL,
	  "engines each worker keeps for language sets other than languages, each made on a job's first use (its models: tens of MB under memory_limit); the one used longest ago makes room (0: uploads may ask only for languages)" },
	{ "ocr_worker", "tessdata_dir", CONFIG_STRING, "", 0, 0, NULL,
	  "where the traineddata files are; empty: tesseract's own default" },
	{ "ocr_worker", "page_segmentation", CONFIG_STRING, "auto", 0, 0, NULL,
	  "tesseract's page segmentation: auto, or auto_osd to check every page's orientation first (slower; doc/OCR-MEASUREMENTS.md)" },
	{ "ocr_worker", "reorient_below", CONFIG_INT, "60", 0, 100, NULL,
	  "a page read with a mean word confidence below this has its orientation checked, and is read again upright if it is turned (0: never)" },
	{ "ocr_worker", "reread_below", CONFIG_INT, "60", 0, 100, NULL,
	  "ink no word read with at least this confidence covers (a column of amounts left out, skewed digits misread) is read again a line at a time, and kept where the second reading is surer (0: never; doc/OCR-MEASUREMENTS.md)" },
	{ "ocr_worker", "scheduling", CONFIG_ENUM, "normal", 0, 0, "normal|batch|idle",
	  "normal or batch: the workers run at nice; idle: only on CPU time nothing else wants (SCHED_IDLE: uploads wait less, but a busy machine can starve OCR)" },
	{ "ocr_worker", "nice", CONFIG_INT, "10", 0, 19, NULL,
	  "niceness of the workers with scheduling batch or normal" },
	{ "ocr_worker", "max_pages", CONFIG_INT, "50", 1, 10000, NULL,
	  "most pages of a multi-page TIFF; more fails the job" },
	{ "ocr_worker", "max_attempts", CONFIG_INT, "3", 1, 100, NULL,
	  "tries of a job before it fails; an image that cannot be decoded fails at once" },
	{ "ocr_worker", "job_timeout", CONFIG_DURATION, "5m", 0, 1 * DAY, NULL,
	  "longest one job may spend being read; the master kills (SIGKILL) a worker past it, and a job killed so at each of its max_attempts fails with reason timeout (0: no limit)" },
	{ "ocr_worker", "memory_limit", CONFIG_SIZE, "2g", 0, 1024 * GB, NULL,
	  "address space each worker may use once its models are loaded (setrlimit RLIMIT_AS): a page needing more fails instead of exhausting the machine (0: no limit; not applied in AddressSanitizer builds)" },
	{ "ocr_worker", "retry_backoff", CONFIG_DURATION, "30s", 1 * SEC, 1 * DAY, NULL,
	  "wait before a job's second try, doubling for each try after" },
	{ "ocr_worker", "rescan_interval", CONFIG_DURATION, "10s", 100, 1 * HOUR, NULL,
	  "how often workers look at the spool without being woken by inotify" },
	{ "ocr_worker", "retention", CONFIG_DURATION, "7d", 0, 365 * DAY, NULL,
	  "how long processed files stay in spool/done (0: removed at once)" },
	{ "ocr_worker", "dropin_settle", CONFIG_DURATION, "2s", 0, 1 * HOUR, NULL,
	  "a file in spool/incoming is taken once it has not changed for this long" },
	{ "ocr_worker", "dropin_owner", CONFIG_STRING, "", 0, 0, NULL,
	  "user id owning files dropped at the top of spool/incoming by root or by a unix account quillctl dropin allow has not recorded; empty: such files fail" },

	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL },
};

/*
 * The gateway's routes when the file has none: the API of the four
 * services on their default ports.  Longest prefix wins, so login and
 * register get their own stricter per-address bucket, a password change
 * (an argon2id hash or two) a strict one per address and per user, and
 * the few auth routes a client calls without a token are public.
 */
const char config_builtin_sections[] =
    "[route.login]\n"
    "prefix = /api/auth/login /api/auth/register\n"
    "upstreams = 127.0.0.1:8001\n"
    "auth = public\n"
    "rate_ip = 10/1m\n"
    "\n"
    "[route.auth_public]\n"
    "prefix = /api/auth/refresh /api/auth/jwks\n"
    "upstreams = 127.0.0.1:8001\n"
    "auth = public\n"
    "\n"
    "[route.password]\n"
    "prefix = /api/auth/password\n"
    "upstreams = 127.0.0.1:8001\n"
    "rate_ip = 10/1m\n"
    "rate_user = 10/1m\n"
    "\n"
    "[route.auth]\n"
    "prefix = /api/auth\n"
    "upstreams = 127.0.0.1:8001\n"
    "\n"
    "[route.chat]\n"
    "prefix = /api/chat\n"
    "upstreams = 127.0.0.1:8002\n"
    "websocket = yes\n"
    "\n"
    "[route.ocr]\n"
    "prefix = /api/ocr\n"
    "upstreams = 127.0.0.1:8003\n"
    "max_body = 20m\n"
    "\n"
    "[route.invoices]\n"
    "prefix = /api/invoices\n"
    "upstreams = 127.0.0.1:8003\n";
