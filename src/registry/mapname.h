/* mapname.h — the name nonstop gives every mapping it makes in a target
 * (its memfds: the record, the patches, the shadow variables), so that
 * /proc/PID/maps tells them from the program's own. A header of its own,
 * with no other include, because the process layer (proc/gadgets.c, which
 * must never borrow code from nonstop's own mappings) needs the name but
 * not the registry that reads those mappings. */
#ifndef NONSTOP_MAPNAME_H
#define NONSTOP_MAPNAME_H

#define NS_REC_MAPNAME  "nonstop:"

#endif
