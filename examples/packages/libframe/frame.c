#include <stdlib.h>
#include <string.h>
#include <greet.h>
#include "frame.h"

static char *border(char *p, size_t width)
{
	*p++ = '+';
	memset(p, '-', width + 2);
	p += width + 2;
	*p++ = '+';
	*p++ = '\n';
	return p;
}

char *frame_text(const char *text)
{
	size_t n = strlen(text);
	char *box = malloc(3 * (n + 5) + 1), *p = box;

	if (!box)
		return NULL;
	p = border(p, n);
	*p++ = '|';
	*p++ = ' ';
	memcpy(p, text, n);
	p += n;
	*p++ = ' ';
	*p++ = '|';
	*p++ = '\n';
	p = border(p, n);
	*p = '\0';
	return box;
}

char *frame_greeting(const char *name)
{
	char *msg = greet_message(name), *box;

	if (!msg)
		return NULL;
	box = frame_text(msg);
	free(msg);
	return box;
}
