/*
 * Unit tests for lib/metrics: values written by several processes into their
 * own slots are summed in one rendering, histograms accumulate, gauges of a
 * dead worker's slot can be cleared.
 */
#include <string.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/metrics.h"
#include "tests/unit/tap.h"

static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

int
main(void)
{
	metrics_id reqs_ok, reqs_err, conns, lat;
	size_t len;
	char *text;
	pid_t pid;
	int status;

	reqs_ok = metrics_register(METRICS_COUNTER, "quill_http_requests_total", "code=\"2xx\"", "Requests.");
	reqs_err = metrics_register(METRICS_COUNTER, "quill_http_requests_total", "code=\"5xx\"", "Requests.");
	conns = metrics_register(METRICS_GAUGE, "quill_http_connections", "", "Open connections.");
	lat = metrics_register(METRICS_HISTOGRAM, "quill_http_request_duration_seconds", "route=\"/x\"", "Latency.");
	ok(metrics_freeze(3) == 0, "segment mapped for three slots");
	is_int(metrics_slots(), 3, "slot count kept");

	metrics_set_slot(0);
	metrics_add(reqs_ok, 5);
	metrics_gauge_set(conns, 2);
	metrics_observe_us(lat, 300);		/* first bucket */
	metrics_observe_us(lat, 3000000);	/* beyond the last bucket: +Inf only */

	pid = fork();
	if (pid == 0) {
		metrics_set_slot(1);
		for (int i = 0; i < 1000; i++)
			metrics_add(reqs_ok, 1);
		metrics_add(reqs_err, 7);
		metrics_gauge_set(conns, 3);
		metrics_observe_us(lat, 20000);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child worker wrote its slot");

	text = metrics_render(&len);
	ok(text != NULL && len == strlen(text), "rendered");
	ok(has_line(text, "# TYPE quill_http_requests_total counter"), "TYPE line for a counter family");
	ok(has_line(text, "# HELP quill_http_requests_total Requests."), "HELP line carries the help text");
	ok(has_line(text, "quill_http_requests_total{code=\"2xx\"} 1005"), "counter summed over slots");
	ok(has_line(text, "quill_http_requests_total{code=\"5xx\"} 7"), "second series of the family");
	ok(has_line(text, "quill_http_connections 5"), "gauge summed, no empty braces");
	ok(has_line(text, "quill_http_request_duration_seconds_bucket{route=\"/x\",le=\"0.0005\"} 1"), "first bucket");
	ok(has_line(text, "quill_http_request_duration_seconds_bucket{route=\"/x\",le=\"0.025\"} 2"), "buckets are cumulative");
	ok(has_line(text, "quill_http_request_duration_seconds_bucket{route=\"/x\",le=\"2.5\"} 2"), "slow one not in the last bucket");
	ok(has_line(text, "quill_http_request_duration_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3"), "+Inf counts all");
	ok(has_line(text, "quill_http_request_duration_seconds_count{route=\"/x\"} 3"), "histogram count");
	ok(has_line(text, "quill_http_request_duration_seconds_sum{route=\"/x\"} 3.020300"), "histogram sum in seconds");
	{
		const char *first = strstr(text, "# TYPE quill_http_requests_total");
		ok(first != NULL && strstr(first + 1, "# TYPE quill_http_requests_total") == NULL,
		    "TYPE written once per family");
	}
	free(text);

	metrics_clear_gauges(1);
	text = metrics_render(&len);
	ok(has_line(text, "quill_http_connections 2"), "dead slot's gauge cleared");
	ok(has_line(text, "quill_http_requests_total{code=\"2xx\"} 1005"), "its counters are kept");
	free(text);

	is_int(metrics_freeze(3), -1, "a second freeze is refused");
	return done_testing();
}
