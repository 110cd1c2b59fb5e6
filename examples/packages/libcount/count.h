#ifndef COUNT_H
#define COUNT_H

#include <stddef.h>

size_t count_letters(const char *s);	/* letters a-z, A-Z */
size_t count_words(const char *s);	/* runs of non-blank characters */

#endif
