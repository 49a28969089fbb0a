/*
 * history.c: writing and reading history.jsonl.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "history.h"

struct dt_history_writer {
	pthread_mutex_t lock;
	int fd;
	char *path;
	struct timespec start;
	int64_t next_index;
	uint64_t counts[4];
	int error; /* errno of the first failed write, or 0 */
};

static int64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 +
	       (b->tv_nsec - a->tv_nsec);
}

dt_history_writer *dt_history_writer_open(const char *path, char *err)
{
	dt_history_writer *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		dt_fail(err, "%s: %s", path, strerror(errno));
		free(w);
		return NULL;
	}
	w->path = strdup(path);
	pthread_mutex_init(&w->lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &w->start);
	return w;
}

int dt_history_writer_close(dt_history_writer *w, char *err)
{
	int rc = 0;

	if (w == NULL)
		return 0;
	if (w->error == 0 && fsync(w->fd) != 0 && errno != EINVAL)
		w->error = errno;
	if (close(w->fd) != 0 && w->error == 0)
		w->error = errno;
	if (w->error != 0)
		rc = dt_fail(err, "%s: %s", w->path, strerror(w->error));
	pthread_mutex_destroy(&w->lock);
	free(w->path);
	free(w);
	return rc;
}

int64_t dt_history_now(const dt_history_writer *w)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ns_between(&w->start, &now);
}

char *dt_op_to_json(const dt_op *op)
{
	json_t *o = json_object();
	char *line;

	json_object_set_new(o, "index", json_integer(op->index));
	json_object_set_new(o, "time", json_integer(op->time));
	if (op->process == DT_PROCESS_NEMESIS)
		json_object_set_new(o, "process", json_string("nemesis"));
	else
		json_object_set_new(o, "process", json_integer(op->process));
	json_object_set_new(o, "type", json_string(dt_op_type_name(op->type)));
	json_object_set_new(o, "f", json_string(op->f ? op->f : ""));
	if (op->key != NULL)
		json_object_set_new(o, "key", json_string(op->key));
	json_object_set(o, "value", op->value ? op->value : json_null());
	if (op->error != NULL)
		json_object_set_new(o, "error", json_string(op->error));
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_decref(o);
	return line;
}

int64_t dt_history_append(dt_history_writer *w, dt_op *op)
{
	char *line;
	size_t len;
	int64_t index;

	pthread_mutex_lock(&w->lock);
	if (w->error != 0) {
		pthread_mutex_unlock(&w->lock);
		return -1;
	}
	op->index = w->next_index;
	op->time = dt_history_now(w);
	line = dt_op_to_json(op);
	if (line == NULL) {
		w->error = ENOMEM;
		pthread_mutex_unlock(&w->lock);
		return -1;
	}
	len = strlen(line);
	line[len] = '\n'; /* json_dumps leaves room: replace the NUL */
	{
		size_t done = 0;

		while (done < len + 1) {
			ssize_t n = write(w->fd, line + done, len + 1 - done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				w->error = n < 0 ? errno : EIO;
				break;
			}
			done += (size_t)n;
		}
	}
	free(line);
	if (w->error != 0) {
		pthread_mutex_unlock(&w->lock);
		return -1;
	}
	index = w->next_index++;
	w->counts[op->type]++;
	pthread_mutex_unlock(&w->lock);
	return index;
}

void dt_history_counts(dt_history_writer *w, uint64_t counts[4])
{
	pthread_mutex_lock(&w->lock);
	memcpy(counts, w->counts, sizeof(w->counts));
	pthread_mutex_unlock(&w->lock);
}

static char *dup_string(const json_t *v)
{
	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

int dt_op_from_json(const char *line, size_t len, dt_op *op, char *err)
{
	json_error_t jerr;
	json_t *o = json_loadb(line, len, JSON_DECODE_ANY, &jerr);
	json_t *v;

	memset(op, 0, sizeof(*op));
	if (o == NULL)
		return dt_fail(err, "column %d: %s", jerr.column, jerr.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return dt_fail(err, "expected an object");
	}
	v = json_object_get(o, "index");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		goto bad_index;
	op->index = json_integer_value(v);
	v = json_object_get(o, "time");
	op->time = json_is_integer(v) ? json_integer_value(v) : -1;
	v = json_object_get(o, "process");
	if (json_is_string(v) && strcmp(json_string_value(v), "nemesis") == 0)
		op->process = DT_PROCESS_NEMESIS;
	else if (json_is_integer(v) && json_integer_value(v) >= 0)
		op->process = json_integer_value(v);
	else
		goto bad_process;
	v = json_object_get(o, "type");
	if (!json_is_string(v) || dt_op_type_parse(json_string_value(v), &op->type))
		goto bad_type;
	v = json_object_get(o, "f");
	if (!json_is_string(v))
		goto bad_f;
	op->f = strdup(json_string_value(v));
	op->key = dup_string(json_object_get(o, "key"));
	op->error = dup_string(json_object_get(o, "error"));
	v = json_object_get(o, "value");
	op->value = json_incref(v ? v : json_null());
	json_decref(o);
	return 0;
bad_index:
	json_decref(o);
	return dt_fail(err, "\"index\": expected a non-negative integer");
bad_process:
	json_decref(o);
	return dt_fail(err, "\"process\": expected a non-negative integer or \"nemesis\"");
bad_type:
	json_decref(o);
	return dt_fail(err, "\"type\": expected one of invoke, ok, fail, info");
bad_f:
	json_decref(o);
	return dt_fail(err, "\"f\": expected a string");
}

dt_history *dt_history_read_jsonl(const char *path, char *err)
{
	FILE *f = fopen(path, "re");
	dt_history *h;
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t n;
	size_t lineno = 0;

	if (f == NULL) {
		dt_fail(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		goto nomem;
	while ((n = getline(&line, &cap, f)) >= 0) {
		char lerr[DT_ERRBUF_SIZE];
		bool last = n == 0 || line[n - 1] != '\n';
		dt_op op;

		lineno++;
		if (n == 0 || (n == 1 && line[0] == '\n'))
			continue;
		if (dt_op_from_json(line, (size_t)n, &op, lerr) != 0) {
			if (last) { /* torn by a crash mid-write */
				h->torn++;
				break;
			}
			dt_fail(err, "%s:%zu: %s", path, lineno, lerr);
			goto fail;
		}
		if (op.index != (int64_t)h->count) {
			dt_fail(err, "%s:%zu: index %lld where %zu was expected "
				"(duplicate or missing events)", path, lineno,
				(long long)op.index, h->count);
			dt_op_clear(&op);
			goto fail;
		}
		if (h->count == alloc) {
			size_t grow = alloc ? alloc * 2 : 1024;
			dt_op *ops = realloc(h->ops, grow * sizeof(*ops));

			if (ops == NULL) {
				dt_op_clear(&op);
				goto nomem;
			}
			h->ops = ops;
			alloc = grow;
		}
		h->ops[h->count++] = op;
	}
	free(line);
	fclose(f);
	return h;
nomem:
	dt_fail(err, "%s: out of memory", path);
fail:
	free(line);
	fclose(f);
	dt_history_free(h);
	return NULL;
}
