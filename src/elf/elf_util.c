/* elf_util.c — thin generic helpers over libelf/libdw (see elf_util.h). */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "elf/elf_util.h"

int ns_elf_open(const char *path, struct ns_elf *out, struct ns_err *err)
{
	memset(out, 0, sizeof(*out));
	out->path = path;
	out->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		ns_err_set(err, "%s: libelf: %s", path, elf_errmsg(-1));
		return -1;
	}
	out->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (out->fd < 0) {
		ns_err_set(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	out->elf = elf_begin(out->fd, ELF_C_READ_MMAP, NULL);
	if (!out->elf || elf_kind(out->elf) != ELF_K_ELF) {
		ns_err_set(err, "%s: not an ELF file", path);
		goto fail;
	}
	if (elf_getshdrnum(out->elf, &out->shnum) ||
	    elf_getshdrstrndx(out->elf, &out->shstrndx)) {
		ns_err_set(err, "%s: bad section table: %s", path, elf_errmsg(-1));
		goto fail;
	}
	return 0;
fail:
	ns_elf_close(out);
	return -1;
}

void ns_elf_close(struct ns_elf *e)
{
	if (e->elf)
		elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	e->elf = NULL;
	e->fd = -1;
}

const char *ns_elf_section_name(const struct ns_elf *e, Elf_Scn *scn)
{
	GElf_Shdr sh;
	const char *n;

	if (!scn || !gelf_getshdr(scn, &sh))
		return "";
	n = elf_strptr(e->elf, e->shstrndx, sh.sh_name);
	return n ? n : "";
}

Elf_Scn *ns_elf_find_section(const struct ns_elf *e, const char *name)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e->elf, scn)))
		if (!strcmp(ns_elf_section_name(e, scn), name))
			return scn;
	return NULL;
}

Elf_Scn *ns_elf_find_type(const struct ns_elf *e, uint32_t type)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type)
			return scn;
	return NULL;
}

Elf_Data *ns_elf_data(Elf_Scn *scn)
{
	GElf_Shdr sh;
	Elf_Data *d;

	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
		return NULL;
	d = elf_getdata(scn, NULL);
	if (!d || !d->d_buf || d->d_size != sh.sh_size)
		return NULL;
	return d;
}

int ns_elf_build_id(const struct ns_elf *e, uint8_t *buf, size_t max)
{
	const void *id;
	ssize_t n = dwelf_elf_gnu_build_id(e->elf, &id);

	if (n <= 0)
		return 0;
	if ((size_t)n > max)
		return -1;
	memcpy(buf, id, (size_t)n);
	return (int)n;
}
