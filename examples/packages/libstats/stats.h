#ifndef STATS_H
#define STATS_H

/* One line of statistics about text, without a newline, e.g.
 * "12 characters, 9 letters, 2 words"; free() the result. */
char *stats_line(const char *text);

#endif
