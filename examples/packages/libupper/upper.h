#ifndef UPPER_H
#define UPPER_H

/* greet_message(name) in capitals, e.g. "HELLO, WORLD!"; free() the result. */
char *upper_greeting(const char *name);

#endif
