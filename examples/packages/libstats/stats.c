#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <count.h>
#include "stats.h"

char *stats_line(const char *text)
{
	char *line = malloc(128);

	if (line)
		snprintf(line, 128, "%zu characters, %zu letters, %zu words",
			 strlen(text), count_letters(text), count_words(text));
	return line;
}
