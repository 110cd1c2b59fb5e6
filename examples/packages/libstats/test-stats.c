#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stats.h"

int main(void)
{
	char *line = stats_line("Hello, world!");
	int ok = line && strcmp(line, "13 characters, 10 letters, 2 words") == 0;

	printf("%s: %s\n", ok ? "PASS" : "FAIL", line);
	free(line);
	return !ok;
}
