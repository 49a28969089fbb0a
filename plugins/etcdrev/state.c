/*
 * state.c: the etcd model's state as bytes and back (see etcdrev.h):
 * the store's revision, the live leases and every key-value with its
 * create and mod revisions, version and lease.
 */
#include "config.h"

#include <stdio.h>

#include "etcdrev.h"

#define KV_HEAD (4 + 4 + 8 * 4)

static int64_t get64(const unsigned char *p)
{
	int64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

bool er_kvs_parse(const unsigned char *p, size_t len, er_kv *kvs, size_t max,
		  size_t *n)
{
	size_t at = 0;

	*n = 0;
	while (at < len) {
		er_kv *kv;

		if (*n >= max || len - at < KV_HEAD)
			return false;
		kv = &kvs[(*n)++];
		kv->klen = get32(p + at);
		kv->vlen = get32(p + at + 4);
		kv->create = get64(p + at + 8);
		kv->mod = get64(p + at + 16);
		kv->version = get64(p + at + 24);
		kv->lease = get64(p + at + 32);
		at += KV_HEAD;
		if (len - at < (size_t)kv->klen + kv->vlen)
			return false;
		kv->key = p + at;
		kv->value = p + at + kv->klen;
		at += (size_t)kv->klen + kv->vlen;
	}
	return true;
}

bool er_state_parse(const void *data, size_t len, er_state *s)
{
	const unsigned char *p = data;
	size_t n, head;

	if (len == 0) {
		s->rev = 1; /* a new etcd is at revision 1 */
		s->nleases = s->nkvs = 0;
		return true;
	}
	if (len < 16)
		return false;
	s->rev = get64(p);
	s->nleases = get32(p + 8);
	s->nkvs = get32(p + 12);
	if (s->nleases > ER_MAX_LEASES || s->nkvs > ER_MAX_KEYS)
		return false;
	head = 16 + 8 * (size_t)s->nleases;
	if (len < head)
		return false;
	for (uint32_t i = 0; i < s->nleases; i++)
		s->leases[i] = get64(p + 16 + 8 * i);
	if (!er_kvs_parse(p + head, len - head, s->kvs, ER_MAX_KEYS, &n))
		return false;
	return n == s->nkvs;
}

int er_kv_encode(const er_kv *kv, dt_buf *out)
{
	unsigned char h[KV_HEAD];

	memcpy(h, &kv->klen, 4);
	memcpy(h + 4, &kv->vlen, 4);
	memcpy(h + 8, &kv->create, 8);
	memcpy(h + 16, &kv->mod, 8);
	memcpy(h + 24, &kv->version, 8);
	memcpy(h + 32, &kv->lease, 8);
	if (dt_buf_put(out, h, sizeof(h)) != 0 ||
	    (kv->klen && dt_buf_put(out, kv->key, kv->klen) != 0) ||
	    (kv->vlen && dt_buf_put(out, kv->value, kv->vlen) != 0))
		return -1;
	return 0;
}

static int key_cmp(const er_kv *a, const er_kv *b)
{
	uint32_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = n ? memcmp(a->key, b->key, n) : 0;

	if (c != 0)
		return c;
	return a->klen < b->klen ? -1 : a->klen > b->klen;
}

int er_state_encode(const er_state *s, dt_buf *out)
{
	const er_kv *order[ER_MAX_KEYS];
	int64_t leases[ER_MAX_LEASES];

	/* insertion sorts: a state holds a handful of keys */
	for (uint32_t i = 0; i < s->nkvs; i++) {
		uint32_t j = i;

		while (j > 0 && key_cmp(order[j - 1], &s->kvs[i]) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = &s->kvs[i];
	}
	for (uint32_t i = 0; i < s->nleases; i++) {
		uint32_t j = i;

		while (j > 0 && leases[j - 1] > s->leases[i]) {
			leases[j] = leases[j - 1];
			j--;
		}
		leases[j] = s->leases[i];
	}
	if (dt_buf_put(out, &s->rev, 8) != 0 ||
	    dt_buf_put(out, &s->nleases, 4) != 0 ||
	    dt_buf_put(out, &s->nkvs, 4) != 0 ||
	    (s->nleases && dt_buf_put(out, leases, 8 * (size_t)s->nleases) != 0))
		return -1;
	for (uint32_t i = 0; i < s->nkvs; i++)
		if (er_kv_encode(order[i], out) != 0)
			return -1;
	return 0;
}

long er_state_find(const er_state *s, const unsigned char *key, uint32_t klen)
{
	for (uint32_t i = 0; i < s->nkvs; i++)
		if (s->kvs[i].klen == klen && (klen == 0 ||
		    memcmp(s->kvs[i].key, key, klen) == 0))
			return (long)i;
	return -1;
}

bool er_kv_equal(const er_kv *a, const er_kv *b)
{
	return a->klen == b->klen && a->vlen == b->vlen &&
	       a->create == b->create && a->mod == b->mod &&
	       a->version == b->version && a->lease == b->lease &&
	       (a->klen == 0 || memcmp(a->key, b->key, a->klen) == 0) &&
	       (a->vlen == 0 || memcmp(a->value, b->value, a->vlen) == 0);
}

bool er_state_has_lease(const er_state *s, int64_t lease)
{
	for (uint32_t i = 0; i < s->nleases; i++)
		if (s->leases[i] == lease)
			return true;
	return false;
}

void er_kv_print(const er_kv *kv, dt_buf *b)
{
	char tail[128];

	dt_buf_put(b, kv->key, kv->klen);
	dt_buf_put(b, "=\"", 2);
	dt_buf_put(b, kv->value, kv->vlen);
	snprintf(tail, sizeof(tail), "\"(c%lld m%lld v%lld%s%lld)",
		 (long long)kv->create, (long long)kv->mod,
		 (long long)kv->version, kv->lease ? " l" : "",
		 kv->lease ? (long long)kv->lease : 0LL);
	if (!kv->lease)
		snprintf(tail, sizeof(tail), "\"(c%lld m%lld v%lld)",
			 (long long)kv->create, (long long)kv->mod,
			 (long long)kv->version);
	dt_buf_puts(b, tail);
}
