/* lat_record.h — the file `client latency` writes (examples/client) and
 * the latency benchmark reads (bench/latency): a struct lat_header, then
 * `count` struct lat_record, in the machine's byte order. */
#ifndef LAT_RECORD_H
#define LAT_RECORD_H

#include <stdint.h>

#define LAT_MAGIC "NSLAT01"

struct lat_header {
	char     magic[8];	/* LAT_MAGIC */
	uint32_t record_size;	/* sizeof(struct lat_record) */
	uint32_t conns;		/* load threads, one connection each */
	uint64_t count;
};

/* One request: each load thread's are in the order they completed. */
struct lat_record {
	uint64_t end_ns;	/* CLOCK_MONOTONIC when the reply (or failure) came */
	uint32_t lat_ns;	/* since the request was sent (saturated) */
	uint16_t conn;		/* the load thread */
	uint16_t status;	/* LAT_OLD, LAT_NEW or LAT_FAILED */
};

enum { LAT_OLD, LAT_NEW, LAT_FAILED };

#endif
