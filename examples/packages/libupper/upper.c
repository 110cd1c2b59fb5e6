#include <ctype.h>
#include <greet.h>
#include "upper.h"

char *upper_greeting(const char *name)
{
	char *msg = greet_message(name), *p;

	for (p = msg; p && *p; p++)
		*p = toupper((unsigned char)*p);
	return msg;
}
