/*
 * reach.c: see reach.h.  A program without a PT_INTERP program header is
 * statically linked: no dynamic loader runs, LD_PRELOAD means nothing.
 * A program with a .note.go.buildid, .go.buildinfo or .gopclntab section
 * is Go's: its runtime calls the vDSO's clock_gettime itself (runtime
 * nanotime1 and walltime), so libc's clock_gettime, which the shim
 * replaces, is never asked for the time.  Every offset is checked
 * against the file's size before it is read.
 */
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "reach.h"

/* Whether [off, off + len) lies inside size bytes. */
static bool inside(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

static bool go_section(const char *n, size_t room)
{
	static const char *const names[] = {
		".note.go.buildid", ".go.buildinfo", ".gopclntab", NULL
	};

	for (const char *const *p = names; *p != NULL; p++) {
		size_t len = strlen(*p) + 1; /* with its NUL */

		if (len <= room && memcmp(n, *p, len) == 0)
			return true;
	}
	return false;
}

const char *lc_elf_unreachable(const unsigned char *m, size_t size)
{
	Elf64_Ehdr eh;
	bool interp = false;

	if (size < sizeof(eh))
		return NULL;
	memcpy(&eh, m, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		return NULL;
	if (eh.e_phentsize >= sizeof(Elf64_Phdr))
		for (uint64_t i = 0; i < eh.e_phnum; i++) {
			uint64_t at = eh.e_phoff + i * eh.e_phentsize;
			Elf64_Phdr ph;

			if (at < eh.e_phoff || !inside(at, sizeof(ph), size))
				break;
			memcpy(&ph, m + at, sizeof(ph));
			if (ph.p_type == PT_INTERP)
				interp = true;
		}
	if (!interp)
		return "is statically linked: LD_PRELOAD does not reach it";
	if (eh.e_shentsize < sizeof(Elf64_Shdr) || eh.e_shstrndx >= eh.e_shnum)
		return NULL;
	{
		uint64_t nat = eh.e_shoff + (uint64_t)eh.e_shstrndx * eh.e_shentsize;
		Elf64_Shdr names;

		if (nat < eh.e_shoff || !inside(nat, sizeof(names), size))
			return NULL;
		memcpy(&names, m + nat, sizeof(names));
		if (!inside(names.sh_offset, names.sh_size, size))
			return NULL;
		for (uint64_t i = 0; i < eh.e_shnum; i++) {
			uint64_t at = eh.e_shoff + i * eh.e_shentsize;
			Elf64_Shdr sh;

			if (at < eh.e_shoff || !inside(at, sizeof(sh), size))
				break;
			memcpy(&sh, m + at, sizeof(sh));
			if (sh.sh_name >= names.sh_size)
				continue;
			if (go_section((const char *)m + names.sh_offset + sh.sh_name,
				       (size_t)(names.sh_size - sh.sh_name)))
				return "is a Go program: Go's runtime reads the clock "
				       "through the vDSO itself, never libc's "
				       "clock_gettime, so DT's clock shim (LD_PRELOAD) "
				       "cannot change its time";
		}
	}
	return NULL;
}
