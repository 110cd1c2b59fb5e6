#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "greet.h"

/* usage: test-greet NAME EXPECTED */
int main(int argc, char **argv)
{
	char *msg;
	int ok;

	if (argc != 3)
		return 2;
	msg = greet_message(argv[1]);
	ok = msg && strcmp(msg, argv[2]) == 0;
	printf("%s: got \"%s\", expected \"%s\"\n", ok ? "PASS" : "FAIL", msg, argv[2]);
	free(msg);
	return ok ? 0 : 1;
}
