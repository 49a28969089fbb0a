/*
 * reach.h: whether DT's clock shim can reach a program, from its ELF
 * headers alone (plugins/local/reach.c; no libdt, so that the fuzz target
 * compiles it in).
 */
#ifndef DT_LOCAL_REACH_H
#define DT_LOCAL_REACH_H

#include <stddef.h>

/* Why LD_PRELOAD of the shim cannot change the time of the program whose
 * file is the size bytes at m (a static sentence), or NULL when it can,
 * or when m is no 64-bit ELF file (a script: its interpreter's maps are
 * checked after the start).  Never reads outside m. */
const char *lc_elf_unreachable(const unsigned char *m, size_t size);

#endif
