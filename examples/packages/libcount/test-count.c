#include <stdio.h>
#include "count.h"

int main(void)
{
	const char *s = "  Hello,  world! ";
	size_t letters = count_letters(s), words = count_words(s);
	int ok = letters == 10 && words == 2;

	printf("%s: %zu letters, %zu words\n", ok ? "PASS" : "FAIL", letters, words);
	return !ok;
}
