/* SPDX-License-Identifier: MIT */
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "history.h"

/*
 * The writer maps the file and copies each line into the mapping under
 * one lock.  The pages belong to the kernel's page cache the moment the
 * copy ends, so a crash of DT (even SIGKILL) loses nothing already
 * recorded, and no system call is made per event.  Space is reserved
 * with fallocate() ahead of use, so a full disk is an error at a known
 * point, never a SIGBUS; where fallocate is not supported the writer
 * falls back to one write(2) a line.  close() trims the file to its
 * content.  A crashed run leaves zero bytes after the last line, which
 * the reader takes as the end.
 */
#define MAP_FIRST (1u << 20)   /* first reservation */
#define MAP_MAX_STEP (64u << 20)

struct dt_history_writer {
	pthread_mutex_t lock;
	int fd;
	char *path;
	struct timespec start;
	int64_t next_index;
	uint64_t counts[4];
	int error;     /* errno of the first failure, or 0 */
	char *map;     /* NULL in write(2) mode */
	size_t mapped; /* bytes mapped (and reserved on disk) */
	size_t used;   /* bytes of lines */
};

static int64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 +
	       (b->tv_nsec - a->tv_nsec);
}

/* Make room for `need` more bytes; called under the lock.  0 or errno. */
static int reserve(dt_history_writer *w, size_t need)
{
	size_t grow, size;
	void *m;
	int rc;

	if (w->used + need <= w->mapped)
		return 0;
	grow = w->mapped < MAP_MAX_STEP ? (w->mapped ? w->mapped : MAP_FIRST) : MAP_MAX_STEP;
	while (w->used + need > w->mapped + grow)
		grow += MAP_MAX_STEP;
	size = w->mapped + grow;
	rc = posix_fallocate(w->fd, (off_t)w->mapped, (off_t)grow);
	if (rc != 0)
		return rc;
	if (w->map == NULL)
		m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd, 0);
	else
		m = mremap(w->map, w->mapped, size, MREMAP_MAYMOVE);
	if (m == MAP_FAILED)
		return errno;
	w->map = m;
	w->mapped = size;
	return 0;
}

dt_history_writer *dt_history_writer_open(const char *path, char *err)
{
	dt_history_writer *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	w->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		dt_fail(err, "%s: %s", path, strerror(errno));
		free(w);
		return NULL;
	}
	w->path = strdup(path);
	{
		/* Workers append in bursts of a few hundred nanoseconds:
		 * spinning a little beats sleeping in the kernel. */
		pthread_mutexattr_t a;

		pthread_mutexattr_init(&a);
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
		pthread_mutex_init(&w->lock, &a);
		pthread_mutexattr_destroy(&a);
	}
	clock_gettime(CLOCK_MONOTONIC, &w->start);
	{
		int rc = reserve(w, 1);

		if (rc == EOPNOTSUPP || rc == EINVAL) {
			/* no fallocate here: one write(2) a line instead */
			w->map = NULL;
			w->mapped = 0;
		} else if (rc != 0) {
			dt_fail(err, "%s: %s", path, strerror(rc));
			close(w->fd);
			unlink(path);
			pthread_mutex_destroy(&w->lock);
			free(w->path);
			free(w);
			return NULL;
		}
	}
	return w;
}

int dt_history_writer_close(dt_history_writer *w, char *err)
{
	int rc = 0;

	if (w == NULL)
		return 0;
	if (w->map != NULL) {
		if (msync(w->map, w->used, MS_SYNC) != 0 && w->error == 0)
			w->error = errno;
		munmap(w->map, w->mapped);
	}
	if (ftruncate(w->fd, (off_t)w->used) != 0 && w->error == 0)
		w->error = errno;
	if (fsync(w->fd) != 0 && errno != EINVAL && w->error == 0)
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
	if (op->node != NULL)
		json_object_set_new(o, "node", json_string(op->node));
	if (op->flags & DT_OP_FLAG_FINAL)
		json_object_set_new(o, "final", json_true());
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_decref(o);
	return line;
}

/* A growable byte buffer on the stack first, the heap past it. */
typedef struct buf {
	char *p;
	size_t len, cap;
	bool heap;
	char stack[512];
} buf;

static void buf_init(buf *b)
{
	b->p = b->stack;
	b->len = 0;
	b->cap = sizeof(b->stack);
	b->heap = false;
}

static bool buf_room(buf *b, size_t more)
{
	char *grown;
	size_t cap = b->cap;

	if (b->len + more <= b->cap)
		return true;
	while (b->len + more > cap)
		cap *= 2;
	grown = b->heap ? realloc(b->p, cap) : malloc(cap);
	if (grown == NULL)
		return false;
	if (!b->heap)
		memcpy(grown, b->p, b->len);
	b->p = grown;
	b->cap = cap;
	b->heap = true;
	return true;
}

static bool buf_add(buf *b, const char *s, size_t n)
{
	if (!buf_room(b, n))
		return false;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return true;
}

static bool buf_json(buf *b, const json_t *v)
{
	size_t room = b->cap - b->len;
	size_t n = json_dumpb(v, b->p + b->len, room, JSON_COMPACT | JSON_ENCODE_ANY);

	if (n == 0)
		return false;
	if (n <= room) {
		b->len += n;
		return true;
	}
	if (!buf_room(b, n))
		return false;
	json_dumpb(v, b->p + b->len, n, JSON_COMPACT | JSON_ENCODE_ANY);
	b->len += n;
	return true;
}

/* A JSON string: plain names are copied, anything else goes through
 * jansson's escaping. */
static bool buf_string(buf *b, const char *s)
{
	bool plain = true;
	json_t *j;
	bool ok;

	for (const char *c = s; *c && plain; c++)
		plain = (*c >= 0x20 && *c < 0x7f && *c != '"' && *c != '\\');
	if (plain)
		return buf_add(b, "\"", 1) && buf_add(b, s, strlen(s)) &&
		       buf_add(b, "\"", 1);
	j = json_string(s);
	if (j == NULL)
		j = json_string("(invalid UTF-8)");
	ok = buf_json(b, j);
	json_decref(j);
	return ok;
}


/*
 * The values of hot paths (objects of short keys, small integers, plain
 * strings, null, booleans) are encoded here rather than by jansson,
 * byte for byte as json_dumpb(JSON_COMPACT | JSON_ENCODE_ANY) would:
 * compact separators, object keys in insertion order (jansson's order
 * since 2.8), integers in decimal.  Reals, strings that need escaping
 * or are not plain ASCII, and nesting past FAST_DEPTH go to jansson,
 * one sub-value at a time.
 */
#define FAST_DEPTH 16

static char *put_i64(char *p, int64_t v);

/* s[0..n) is printable ASCII with no quote or backslash. */
static bool plain_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return false;
	}
	return true;
}

static bool buf_quoted(buf *b, const char *s, size_t n)
{
	char *p;

	if (!buf_room(b, n + 2))
		return false;
	p = b->p + b->len;
	*p++ = '"';
	memcpy(p, s, n);
	p[n] = '"';
	b->len += n + 2;
	return true;
}

static bool buf_value(buf *b, const json_t *v, int depth)
{
	switch (json_typeof(v)) {
	case JSON_NULL:
		return buf_add(b, "null", 4);
	case JSON_TRUE:
		return buf_add(b, "true", 4);
	case JSON_FALSE:
		return buf_add(b, "false", 5);
	case JSON_INTEGER:
		if (!buf_room(b, 24))
			return false;
		b->len = (size_t)(put_i64(b->p + b->len, json_integer_value(v)) - b->p);
		return true;
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);

		if (!plain_ascii(s, n))
			break;
		return buf_quoted(b, s, n);
	}
	case JSON_OBJECT: {
		void *it = json_object_iter((json_t *)v);
		bool first = true;

		if (depth >= FAST_DEPTH)
			break;
		if (!buf_add(b, "{", 1))
			return false;
		for (; it != NULL; it = json_object_iter_next((json_t *)v, it)) {
			const char *key = json_object_iter_key(it);
			json_t *item = json_object_iter_value(it);
			size_t kn = strlen(key);

			if (!first && !buf_add(b, ",", 1))
				return false;
			first = false;
			if (plain_ascii(key, kn)) {
				if (!buf_quoted(b, key, kn))
					return false;
			} else if (!buf_string(b, key)) {
				return false;
			}
			if (!buf_add(b, ":", 1) || !buf_value(b, item, depth + 1))
				return false;
		}
		return buf_add(b, "}", 1);
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(v);

		if (depth >= FAST_DEPTH)
			break;
		if (!buf_add(b, "[", 1))
			return false;
		for (size_t i = 0; i < n; i++)
			if ((i > 0 && !buf_add(b, ",", 1)) ||
			    !buf_value(b, json_array_get(v, i), depth + 1))
				return false;
		return buf_add(b, "]", 1);
	}
	default:
		break;
	}
	return buf_json(b, v);
}

/* Everything after "process":P: type, f, key, value, error, node,
 * final, "}\n". */
static bool format_tail(buf *b, const dt_op *op)
{
	const char *t = dt_op_type_name(op->type);

	return buf_add(b, ",\"type\":\"", 9) && buf_add(b, t, strlen(t)) &&
	       buf_add(b, "\",\"f\":", 6) && buf_string(b, op->f ? op->f : "") &&
	       (op->key == NULL || (buf_add(b, ",\"key\":", 7) && buf_string(b, op->key))) &&
	       buf_add(b, ",\"value\":", 9) &&
	       (op->value ? buf_value(b, op->value, 0) : buf_add(b, "null", 4)) &&
	       (op->error == NULL || (buf_add(b, ",\"error\":", 9) && buf_string(b, op->error))) &&
	       (op->node == NULL || (buf_add(b, ",\"node\":", 8) && buf_string(b, op->node))) &&
	       (!(op->flags & DT_OP_FLAG_FINAL) || buf_add(b, ",\"final\":true", 13)) &&
	       buf_add(b, "}\n", 2);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static char *put_i64(char *p, int64_t v)
{
	char tmp[24];
	int n = 0;
	uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;

	if (v < 0)
		*p++ = '-';
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		*p++ = tmp[--n];
	return p;
}

int64_t dt_history_append(dt_history_writer *w, dt_op *op)
{
	buf tail;
	char head[96];
	int hn, rc;
	int64_t index;

	/* The costly part, outside the lock. */
	buf_init(&tail);
	if (!format_tail(&tail, op)) {
		if (tail.heap)
			free(tail.p);
		pthread_mutex_lock(&w->lock);
		if (w->error == 0)
			w->error = ENOMEM;
		pthread_mutex_unlock(&w->lock);
		return -1;
	}

	pthread_mutex_lock(&w->lock);
	if (w->error != 0) {
		pthread_mutex_unlock(&w->lock);
		if (tail.heap)
			free(tail.p);
		return -1;
	}
	op->index = w->next_index;
	op->time = dt_history_now(w);
	{
		char *h = head;

		memcpy(h, "{\"index\":", 9); h += 9;
		h = put_i64(h, op->index);
		memcpy(h, ",\"time\":", 8); h += 8;
		h = put_i64(h, op->time);
		memcpy(h, ",\"process\":", 11); h += 11;
		if (op->process == DT_PROCESS_NEMESIS) {
			memcpy(h, "\"nemesis\"", 9); h += 9;
		} else {
			h = put_i64(h, op->process);
		}
		hn = (int)(h - head);
	}
	if (w->map != NULL) {
		rc = reserve(w, (size_t)hn + tail.len);
		if (rc == 0) {
			memcpy(w->map + w->used, head, (size_t)hn);
			memcpy(w->map + w->used + hn, tail.p, tail.len);
			w->used += (size_t)hn + tail.len;
		}
	} else {
		rc = write_all(w->fd, head, (size_t)hn);
		if (rc == 0)
			rc = write_all(w->fd, tail.p, tail.len);
		if (rc == 0)
			w->used += (size_t)hn + tail.len;
	}
	if (rc != 0) {
		w->error = rc;
		pthread_mutex_unlock(&w->lock);
		if (tail.heap)
			free(tail.p);
		return -1;
	}
	index = w->next_index++;
	if (op->process != DT_PROCESS_NEMESIS)
		w->counts[op->type]++;
	pthread_mutex_unlock(&w->lock);
	if (tail.heap)
		free(tail.p);
	return index;
}

int dt_history_failed(dt_history_writer *w, char *err)
{
	int e;

	pthread_mutex_lock(&w->lock);
	e = w->error;
	pthread_mutex_unlock(&w->lock);
	return e ? dt_fail(err, "%s: %s", w->path, strerror(e)) : 0;
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
	json_t *o = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
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
	op->node = dup_string(json_object_get(o, "node"));
	if (json_is_true(json_object_get(o, "final")))
		op->flags |= DT_OP_FLAG_FINAL;
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

/* Declared in dt/types.h, for every history (read, imported or built). */
void dt_history_free(dt_history *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->count; i++)
		dt_op_clear(&h->ops[i]);
	free(h->ops);
	free(h);
}

static dt_history *dt_history_read_jsonl2(const char *path, bool live, char *err);

/*
 * Which processes have an invoke open: a small open-addressing table
 * from process number to the index of its open invoke (-1: none).
 */
typedef struct open_table {
	int64_t *proc;
	int64_t *index;
	size_t cap, used;
} open_table;

static int64_t *open_slot(open_table *t, int64_t proc)
{
	size_t i;

	if (t->used * 2 >= t->cap) {
		open_table bigger = { .cap = t->cap ? t->cap * 2 : 64 };

		bigger.proc = malloc(bigger.cap * sizeof(int64_t));
		bigger.index = malloc(bigger.cap * sizeof(int64_t));
		if (bigger.proc == NULL || bigger.index == NULL) {
			free(bigger.proc);
			free(bigger.index);
			return NULL;
		}
		for (size_t k = 0; k < bigger.cap; k++)
			bigger.proc[k] = INT64_MIN;
		for (size_t k = 0; k < t->cap; k++)
			if (t->proc[k] != INT64_MIN)
				*open_slot(&bigger, t->proc[k]) = t->index[k];
		free(t->proc);
		free(t->index);
		bigger.used = t->used;
		*t = bigger;
	}
	i = (size_t)((uint64_t)proc * 0x9e3779b97f4a7c15ULL) & (t->cap - 1);
	while (t->proc[i] != INT64_MIN && t->proc[i] != proc)
		i = (i + 1) & (t->cap - 1);
	if (t->proc[i] == INT64_MIN) {
		t->proc[i] = proc;
		t->index[i] = -1;
		t->used++;
	}
	return &t->index[i];
}

/* An invoke needs its process idle; a completion needs it busy. */
static int check_process(open_table *t, const dt_op *op, char *err)
{
	int64_t *open;

	if (op->process == DT_PROCESS_NEMESIS)
		return 0;
	open = open_slot(t, op->process);
	if (open == NULL)
		return dt_fail(err, "out of memory");
	if (op->type == DT_OP_INVOKE) {
		if (*open >= 0)
			return dt_fail(err, "process %lld: invoke while its index %lld "
				       "is still open", (long long)op->process,
				       (long long)*open);
		*open = op->index;
		return 0;
	}
	if (*open < 0)
		return dt_fail(err, "process %lld: %s with no invoke before it",
			       (long long)op->process, dt_op_type_name(op->type));
	*open = -1;
	return 0;
}

/* After zero padding only zeros may follow (a crashed writer's
 * reservation); anything else is damage, not a clean end. */
static bool only_zeros_follow(FILE *f, const char *line, size_t n)
{
	int c;

	for (size_t i = 0; i < n; i++)
		if (line[i] != '\0')
			return false;
	while ((c = getc(f)) != EOF)
		if (c != '\0')
			return false;
	return true;
}

dt_history *dt_history_read_jsonl(const char *path, char *err)
{
	return dt_history_read_jsonl2(path, false, err);
}

dt_history *dt_history_read_live(const char *path, char *err)
{
	return dt_history_read_jsonl2(path, true, err);
}

static dt_history *dt_history_read_jsonl2(const char *path, bool live, char *err)
{
	FILE *f = fopen(path, "re");
	dt_history *h;
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t n;
	size_t lineno = 0;
	open_table open = { 0 };

	if (f == NULL) {
		dt_fail(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		goto nomem;
	errno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		char lerr[DT_ERRBUF_SIZE];
		bool last = n == 0 || line[n - 1] != '\n';
		dt_op op;

		lineno++;
		if (line[0] == '\0') { /* zero padding after a crashed writer */
			/* A file still being written may get lines after the
			 * zeros this reader saw: that is not damage. */
			if (!live && !only_zeros_follow(f, line, (size_t)n)) {
				dt_fail(err, "%s:%zu: zero bytes followed by more data "
					"(a damaged file)", path, lineno);
				goto fail;
			}
			break;
		}
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
		if (check_process(&open, &op, lerr) != 0) {
			dt_fail(err, "%s:%zu: %s", path, lineno, lerr);
			dt_op_clear(&op);
			goto fail;
		}
		if (dt_grow(&h->ops, &alloc, h->count + 1, sizeof(*h->ops)) != 0) {
			dt_op_clear(&op);
			goto nomem;
		}
		h->ops[h->count++] = op;
		errno = 0;
	}
	if (ferror(f)) {
		dt_fail(err, "%s: %s", path, strerror(errno ? errno : EIO));
		goto fail;
	}
	free(line);
	free(open.proc);
	free(open.index);
	fclose(f);
	return h;
nomem:
	dt_fail(err, "%s: out of memory", path);
fail:
	free(line);
	free(open.proc);
	free(open.index);
	fclose(f);
	dt_history_free(h);
	return NULL;
}

/*
 * The end of the last whole line of a history a writer left behind: the
 * file as the writer reserved it (fallocate'd zeros after the events) or
 * cut mid-line by a crash.  Everything after it is zeros or a torn line
 * that no reader takes anyway, so cutting it there loses no event.
 */
int dt_history_trim(const char *path, bool *cut, int64_t *last_time, char *err)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	struct stat st;
	char chunk[65536];
	off_t end, keep = 0;
	bool found = false;

	*cut = false;
	if (last_time != NULL)
		*last_time = -1;
	if (fd < 0)
		return dt_fail(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		dt_fail(err, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* Backwards, block by block: the last '\n' that no later non-zero
	 * byte follows, unless a torn line follows it. */
	end = st.st_size;
	while (end > 0 && !found) {
		size_t n = end > (off_t)sizeof(chunk) ? sizeof(chunk) : (size_t)end;
		off_t at = end - (off_t)n;

		if (pread(fd, chunk, n, at) != (ssize_t)n) {
			dt_fail(err, "%s: %s", path, strerror(errno ? errno : EIO));
			close(fd);
			return -1;
		}
		for (size_t i = n; i-- > 0;) {
			if (chunk[i] == '\n') {
				keep = at + (off_t)i + 1;
				found = true;
				break;
			}
		}
		end = at;
	}
	/* After it: zeros (cut them), a torn line (cut it), or a whole
	 * event without its newline (keep it, cut the zeros after it). */
	if (keep < st.st_size) {
		size_t n = st.st_size - keep > (off_t)sizeof(chunk) ? sizeof(chunk) :
			   (size_t)(st.st_size - keep);
		size_t len = 0;

		if (pread(fd, chunk, n, keep) == (ssize_t)n) {
			dt_op op;
			char e[DT_ERRBUF_SIZE];

			while (len < n && chunk[len] != '\0')
				len++;
			if (len > 0 && len < n && dt_op_from_json(chunk, len, &op, e) == 0) {
				dt_op_clear(&op);
				keep += (off_t)len;
			}
		}
	}
	if (keep < st.st_size) {
		if (ftruncate(fd, keep) != 0 || fsync(fd) != 0) {
			dt_fail(err, "%s: cannot cut its unused tail: %s", path,
				strerror(errno));
			close(fd);
			return -1;
		}
		*cut = true;
	}
	/* The time of the last event: the last whole line's "time". */
	if (last_time != NULL && keep > 0) {
		size_t n = keep > (off_t)sizeof(chunk) ? sizeof(chunk) : (size_t)keep;
		off_t at = keep - (off_t)n;

		if (pread(fd, chunk, n, at) == (ssize_t)n) {
			size_t i = n - 1, start = 0;
			dt_op op;
			char e[DT_ERRBUF_SIZE];

			while (i > 0 && chunk[i - 1] != '\n')
				i--;
			start = i;
			if (dt_op_from_json(chunk + start, n - start, &op, e) == 0) {
				*last_time = op.time;
				dt_op_clear(&op);
			}
		}
	}
	close(fd);
	return 0;
}
