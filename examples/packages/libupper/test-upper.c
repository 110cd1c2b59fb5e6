#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "upper.h"

int main(void)
{
	char *msg = upper_greeting("world");
	int ok = msg && strcmp(msg, "HELLO, WORLD!") == 0;

	printf("%s: %s\n", ok ? "PASS" : "FAIL", msg);
	free(msg);
	return !ok;
}
