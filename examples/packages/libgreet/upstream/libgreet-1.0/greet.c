#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "greet.h"

#define GREET_DEFAULT_DIR "/usr/share/greet"

char *greet_word(void)
{
	const char *dir = getenv("GREET_DATA_DIR");
	char path[4096], word[256] = "Hello";
	FILE *f;

	snprintf(path, sizeof path, "%s/greeting", dir ? dir : GREET_DEFAULT_DIR);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(word, sizeof word, f) || word[0] == '\0')
			strcpy(word, "Hello");
		fclose(f);
	}
	return strdup(word);
}

char *greet_message(const char *name)
{
	char *word = greet_word(), *msg;
	size_t len;

	if (!word)
		return NULL;
	len = strlen(word) + strlen(name) + 4;
	msg = malloc(len);
	if (msg)
		snprintf(msg, len, "%s, %s!", word, name);
	free(word);
	return msg;
}
