/* Marks one version-needed entry (e.g. GLIBCXX_3.4.32) of an ELF64 shared object as weak
 * (VER_FLG_WEAK), so that the dynamic loader does not refuse the library when the host's libstdc++
 * lacks that version. The symbols bound to the version are then resolved from any library that
 * defines them without a version: here, the shim built from glibcxx_shim.cpp.
 * Usage: mark_version_weak FILE VERSION. Exit 0 when marked (or already weak), 3 when FILE does not
 * need VERSION, 1 on error. Edits the file in place; the caller works on a copy. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s FILE VERSION\n", argv[0]);
        return 1;
    }
    int fd = open(argv[1], O_RDWR);
    if (fd < 0) { perror(argv[1]); return 1; }
    struct stat st;
    if (fstat(fd, &st) != 0) { perror(argv[1]); return 1; }
    unsigned char *base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) { perror(argv[1]); return 1; }
    Elf64_Ehdr *eh = (Elf64_Ehdr *)base;
    if (st.st_size < (off_t)sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64) {
        fprintf(stderr, "%s: not an ELF64 file\n", argv[1]);
        return 1;
    }
    Elf64_Shdr *sh = (Elf64_Shdr *)(base + eh->e_shoff);
    int found = 0;
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_GNU_verneed) continue;
        const char *strtab = (const char *)(base + sh[sh[i].sh_link].sh_offset);
        unsigned char *p = base + sh[i].sh_offset;
        for (;;) {
            Elf64_Verneed *vn = (Elf64_Verneed *)p;
            unsigned char *a = p + vn->vn_aux;
            for (int k = 0; k < vn->vn_cnt; k++) {
                Elf64_Vernaux *va = (Elf64_Vernaux *)a;
                if (strcmp(strtab + va->vna_name, argv[2]) == 0) {
                    va->vna_flags |= VER_FLG_WEAK;
                    found = 1;
                }
                if (va->vna_next == 0) break;
                a += va->vna_next;
            }
            if (vn->vn_next == 0) break;
            p += vn->vn_next;
        }
    }
    if (msync(base, (size_t)st.st_size, MS_SYNC) != 0) { perror(argv[1]); return 1; }
    munmap(base, (size_t)st.st_size);
    close(fd);
    return found ? 0 : 3;
}
