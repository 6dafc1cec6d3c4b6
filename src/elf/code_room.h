/* code_room.h — how many bytes at a function's entry a redirection may use. */
#ifndef NONSTOP_CODE_ROOM_H
#define NONSTOP_CODE_ROOM_H
#include <gelf.h>
#include <stdint.h>

/* Bytes from VADDR (a function in a linked ELF file) up to the next symbol
 * or the end of its executable section. The alignment padding after a
 * short function is never executed, so a jump may spill into it. 0 if
 * VADDR is in no executable section or there is no .symtab. */
uint64_t ns_elf_code_room(Elf *elf, uint64_t vaddr);
#endif
