/* The table of entries: live state. v2 grows its element struct (a byte
 * in padding, a bit-field, a longer name, a new last field) and its bound. */
#include <stdio.h>
#include <string.h>

struct entry {
	int id;
	unsigned char used;
	unsigned hits : 12;
	unsigned level : 4;
	char name[8];
};

struct entry table[4];
static int count;
static long nbeats;

int add(const char *name)
{
	struct entry *e;

	if (count == 4)
		return -1;
	e = &table[count];
	e->id = 100 + count;
	e->used = 1;
	e->level = (unsigned)count + 1;
	snprintf(e->name, sizeof(e->name), "%s", name);
	return count++;
}

int hit(int i)
{
	if (i < 0 || i >= count)
		return -1;
	return (int)++table[i].hits;
}

void show(int i, char *buf, size_t len)
{
	const struct entry *e = &table[i & 3];

	snprintf(buf, len, "%d %s hits=%u level=%u", e->id, e->name, e->hits, e->level);
}

int entries(void)
{
	return count;
}

int drop(int i)
{
	if (i < 0 || i >= count)
		return -1;
	table[i].used = 0;
	return i;
}

/* The same code in both versions (id and used keep their offsets): carried
 * only because the table it reads moves. */
int first_used(void)
{
	return table[0].used ? table[0].id : -1;
}

long beat(void)
{
	nbeats += table[0].used ? 1 : 2;
	return nbeats;
}

long beats(void)
{
	return nbeats;
}
