/* v1: two modules. */
struct module {
	const char *name;
	long (*run)(long);
	unsigned long calls;		/* live state: how often it ran */
};

int module_register(struct module *m);

static long twice(long x)
{
	return 2 * x;
}

static long square(long x)
{
	return x * x;
}

static struct module mod_twice = { "twice", twice, 0 };
static struct module mod_square = { "square", square, 0 };

void modules_init(void)
{
	module_register(&mod_twice);
	module_register(&mod_square);
}
