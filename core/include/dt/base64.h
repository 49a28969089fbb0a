/* SPDX-License-Identifier: MIT */
/*
 * dt/base64.h: standard base64 (RFC 4648, with padding), as etcd's JSON
 * gateway and Kubernetes' secrets and kubeconfigs use it.
 */
#ifndef DT_BASE64_H
#define DT_BASE64_H

#include <dt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* len bytes as base64 text, NUL-terminated; the caller frees it.  NULL
 * when out of memory. */
DT_EXTERN char *dt_base64_encode(const void *data, size_t len);
/* len characters of base64 (padding optional; blanks and newlines
 * skipped, as PEM and kubeconfig data have them) to bytes, NUL-terminated
 * for convenience (*outlen does not count it); the caller frees them.
 * NULL for text that is not base64, or out of memory. */
DT_EXTERN unsigned char *dt_base64_decode(const char *text, size_t len,
					  size_t *outlen);

#ifdef __cplusplus
}
#endif
#endif /* DT_BASE64_H */
