#include <stdio.h>
#include <stdlib.h>
#include <frame.h>
#include <upper.h>
#include <stats.h>

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "world";
	char *framed = frame_greeting(name);
	char *upper = upper_greeting(name);
	char *stats = upper ? stats_line(upper) : NULL;

	if (!framed || !upper || !stats) {
		fputs("hello: out of memory\n", stderr);
		return 1;
	}
	printf("%s%s\n%s\n", framed, upper, stats);
	free(framed);
	free(upper);
	free(stats);
	return 0;
}
