/*
 * commands.h - the migc commands. Each is `cmd_<name>(argc, argv)` with
 * argv[0] the command's name, returning the process exit code, and has its
 * usage text beside its option parsing.
 */
#ifndef MIGC_COMMANDS_H
#define MIGC_COMMANDS_H

#include <stddef.h>

int cmd_build(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_new(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_lint(int argc, char **argv);

extern const char cmd_build_usage[];
extern const char cmd_list_usage[];
extern const char cmd_new_usage[];
extern const char cmd_check_usage[];
extern const char cmd_lint_usage[];

/*
 * The version a new migration after `newest` gets, numbered the way `migc
 * new` numbers (cmd_new.c): "0001" when `newest` is "", a UTC timestamp for
 * timestamp versions, else the next number in the same style and width.
 * 0, or MIGC_EUSAGE when it does not fit `size`.
 */
int new_version_after(const char *newest, char *out, size_t size);

/* The default migrations directory. */
#define MIGC_DEFAULT_DIR "migrations"

#endif /* MIGC_COMMANDS_H */
