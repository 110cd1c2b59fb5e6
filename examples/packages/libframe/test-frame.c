#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "frame.h"

int main(void)
{
	const char *want = "+---------------+\n"
			   "| Hello, world! |\n"
			   "+---------------+\n";
	char *box = frame_greeting("world");
	int ok = box && strcmp(box, want) == 0;

	printf("%s:\n%s", ok ? "PASS" : "FAIL", box);
	free(box);
	return !ok;
}
