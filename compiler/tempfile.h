/*
 * tempfile.h - temporary files and directories removed when migc is
 * interrupted (SIGINT, SIGTERM, SIGHUP), as git's tempfile.c does.
 *
 * `migc build` writes its outputs into hidden temporary files beside the
 * targets and renames them at the end (outfile.c); with --binary alone the
 * bundle goes to a private temporary directory. A Ctrl-C or a CI job
 * cancelled half-way would otherwise leave those behind. A registered path
 * is removed by the signal handler, which then lets the signal end the
 * process the default way (so the exit status says which signal). A C
 * compiler running for us is sent the signal too, so it does not go on
 * writing a file just removed.
 *
 * The registry is the compiler's one piece of global state: a signal
 * handler can reach nothing else. It holds at most TEMPFILE_MAX paths.
 */
#ifndef MIGC_TEMPFILE_H
#define MIGC_TEMPFILE_H

#include <sys/types.h>

#define TEMPFILE_MAX 8

/* Remove `path` (a file, or with `is_dir` an empty directory) if a signal
 * ends migc. Returns a slot (>= 0) for tempfile_forget, or -1 when the
 * registry is full (the path is then simply not cleaned up on a signal). */
int tempfile_register(const char *path, int is_dir);

/* The file was renamed or removed: forget slot `slot` (-1 is ignored). */
void tempfile_forget(int slot);

/* While `pid` runs (0: none), a signal is forwarded to it first. */
void tempfile_child(pid_t pid);

#endif /* MIGC_TEMPFILE_H */
