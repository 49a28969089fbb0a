/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dtd_api.c: dtd's request routing and JSON bodies
 * (dtd_api_handle, with core/dtd/{api,data,db,runner}.c compiled in),
 * without the HTTP layer.  A private state folder and database; the
 * runner has no worker, so a run that is accepted stays queued.
 *
 * Input: "METHOD\nURL\nAUTHORIZATION\nBODY"; the URL may carry a query
 * (?a=1&b=2).  The token is "fuzz-token".  Every reply must be a status
 * between 200 and 599 and, when JSON, parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dtd.h"
#include "log.h"
#include "fuzz.h"

#define MAX_QUERY 8

static dtd_config cfg;
static dtd_ctx ctx;

typedef struct query {
	size_t n;
	char *name[MAX_QUERY], *value[MAX_QUERY];
} query;

static const char *query_get(void *arg, const char *name)
{
	query *q = arg;

	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->name[i], name) == 0)
			return q->value[i];
	return NULL;
}

static void init(void)
{
	char err[DT_ERRBUF_SIZE] = "", path[512];
	static char state[256], store[300];

	dt_log_set_level(DT_LOG_ERROR);
	snprintf(state, sizeof(state), "%s", fuzz_scratch_dir());
	snprintf(store, sizeof(store), "%s/store", state);
	dtd_config_defaults(&cfg);
	cfg.state_dir = state;
	cfg.store = store;
	cfg.token = (char *)"fuzz-token";
	cfg.suite_path = (char *)DT_SOURCE_DIR "/suites";
	cfg.chart_path = (char *)DT_SOURCE_DIR "/charts";
	cfg.parallel = 0;
	cfg.max_body = 1 << 16;
	cfg.max_time_limit = 60;
	snprintf(path, sizeof(path), "%s/dtd.db", state);
	ctx.cfg = &cfg;
	ctx.db = dtd_db_open(path, err);
	if (ctx.db == NULL) {
		fprintf(stderr, "fuzz_dtd_api: %s\n", err);
		abort();
	}
	ctx.runner = dtd_runner_start(&cfg, ctx.db, err);
	if (ctx.runner == NULL) {
		fprintf(stderr, "fuzz_dtd_api: %s\n", err);
		abort();
	}
	ctx.plugins = json_array();
}

/* Split at the first '\n' (or the end): a malloc'd line. */
static char *take_line(const uint8_t **data, size_t *size)
{
	const uint8_t *nl = memchr(*data, '\n', *size);
	size_t n = nl ? (size_t)(nl - *data) : *size;
	char *line = malloc(n + 1);

	memcpy(line, *data, n);
	line[n] = '\0';
	*data += nl ? n + 1 : n;
	*size -= nl ? n + 1 : n;
	return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *method, *url, *auth, *qs;
	query q = { 0 };
	dtd_reply out;

	if (ctx.db == NULL)
		init();
	method = take_line(&data, &size);
	url = take_line(&data, &size);
	auth = take_line(&data, &size);
	qs = strchr(url, '?');
	if (qs != NULL) {
		char *save = NULL;

		*qs++ = '\0';
		for (char *kv = strtok_r(qs, "&", &save); kv && q.n < MAX_QUERY;
		     kv = strtok_r(NULL, "&", &save)) {
			char *eq = strchr(kv, '=');

			q.name[q.n] = kv;
			q.value[q.n] = eq ? (*eq = '\0', eq + 1) : (char *)"";
			q.n++;
		}
	}
	memset(&out, 0, sizeof(out));
	/* never stream: the SSE path waits on the runner */
	if (strstr(url, "/events") == NULL)
		dtd_api_handle(&ctx, method, url, query_get, &q,
			       auth[0] ? auth : NULL, (const char *)data, size,
			       size > (size_t)cfg.max_body, &out);
	else
		out.status = 200;
	FUZZ_ASSERT(out.status >= 200 && out.status <= 599);
	if (out.body != NULL && out.type != NULL &&
	    strcmp(out.type, "application/json") == 0 && out.sse_run == 0) {
		json_t *j = json_loadb(out.body, out.len, 0, NULL);

		FUZZ_ASSERT(j != NULL);
		json_decref(j);
	}
	if (out.file) {
		FUZZ_ASSERT(out.fd >= 0 && out.body == NULL);
		close(out.fd);
	}
	free(out.body);
	free(method);
	free(url);
	free(auth);
	return 0;
}
