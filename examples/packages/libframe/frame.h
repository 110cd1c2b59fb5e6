#ifndef FRAME_H
#define FRAME_H

/* text in an ASCII box: three lines, each ending in '\n'; free() the result.
 *   +-------+
 *   | text  |
 *   +-------+            */
char *frame_text(const char *text);

/* frame_text(greet_message(name)). */
char *frame_greeting(const char *name);

#endif
