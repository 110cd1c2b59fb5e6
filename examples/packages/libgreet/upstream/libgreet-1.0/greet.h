#ifndef GREET_H
#define GREET_H

/* Returns "<greeting>, <name>!" in a string the caller must free().
 * <greeting> is read from $GREET_DATA_DIR/greeting if GREET_DATA_DIR is
 * set, else from /usr/share/greet/greeting; "Hello" if the file is missing. */
char *greet_message(const char *name);

/* The greeting word alone, e.g. "Hello"; the caller must free() it. */
char *greet_word(void);

#endif
