/*
 * commands.h - the migc commands. Each is `cmd_<name>(argc, argv)` with
 * argv[0] the command's name, returning the process exit code, and has its
 * usage text beside its option parsing.
 */
#ifndef MIGC_COMMANDS_H
#define MIGC_COMMANDS_H

int cmd_build(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_new(int argc, char **argv);

extern const char cmd_build_usage[];
extern const char cmd_list_usage[];
extern const char cmd_new_usage[];

/* The default migrations directory. */
#define MIGC_DEFAULT_DIR "migrations"

#endif /* MIGC_COMMANDS_H */
