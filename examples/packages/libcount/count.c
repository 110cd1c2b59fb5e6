#include <ctype.h>
#include "count.h"

size_t count_letters(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += isalpha((unsigned char)*s) != 0;
	return n;
}

size_t count_words(const char *s)
{
	size_t n = 0;
	int in_word = 0;

	for (; *s; s++) {
		if (isspace((unsigned char)*s))
			in_word = 0;
		else if (!in_word++)
			n++;
	}
	return n;
}
