/* image/guest/cmd_words.h: a command line the agent can run without a shell (pure, for
 * test_cmd_words). */
#ifndef UMLLAB_GUEST_CMD_WORDS_H
#define UMLLAB_GUEST_CMD_WORDS_H

#include <stddef.h>

/* Splits cmd into words in buf (at least strlen(cmd) + 1 bytes), argv (max entries, the
 * last one NULL) when the shell would read it as one simple command with nothing to
 * expand: words of A-Z a-z 0-9 and - _ . / = : , @ % +, or 'single-quoted' text
 * (umllab's own quoting: cmd/exec.c, core/lab/labdir.c), separated by blanks, the first
 * one no assignment. Returns the word count, or -1 when only a shell can run it. */
int cmd_words(const char *cmd, char *buf, char **argv, size_t max);

#endif
