/*
 * git.h - the compiler's window on git (libgit2): opening the repository
 * that holds a migrations directory, resolving revisions, reading the
 * directory's tree at a commit, the working tree's status, and the commit
 * that added each migration (provenance).
 *
 * Every libgit2 call of migc lives in compiler/ (mostly here, in
 * git_provenance.c and source_git.c; the commands only pass commits
 * along): libmigc and the release binaries it links never depend on
 * libgit2 (tests/e2e/git.sh checks both).
 *
 * Safety: repositories are only read. libgit2 runs no hooks and no
 * external filter programs; blobs are read raw (no smudge filter, no CRLF
 * conversion: the canonical checksum takes care of line endings); the
 * working tree is only looked at through git_status. A repository owned
 * by another user is refused the way git refuses it (safe.directory).
 */
#ifndef MIGC_GIT_H
#define MIGC_GIT_H

#include <git2.h>

#include "migc.h"
#include "source.h"

/* A short commit id for messages: 12 hex digits and a NUL. */
#define REPO_SHORT_LEN 12

/* An open repository and where the migrations directory sits in it. */
struct repo {
	git_repository *git;
	char *workdir; /* real path of the working tree, ending in '/' */
	char *prefix;  /* the directory relative to workdir: "db/migrations",
			  "" for the root; never ends in '/' */
	char *dir;     /* the directory as the user gave it, for messages */
	int shallow;   /* the clone is shallow (history is cut off) */
};

/*
 * Open the repository holding `dir` (which need not exist), searching
 * upward from it (or from its closest existing parent) as git does; the
 * search stops at a file system boundary and at $GIT_CEILING_DIRECTORIES.
 * Returns 0 with `*out` set; MIGC_ENOTFOUND (message set) when there is no
 * repository, which callers may accept (a Docker build context without
 * .git); MIGC_EUSAGE for a repository owned by another user (with git's
 * safe.directory advice), a bare repository, or `dir` outside the working
 * tree.
 */
int repo_open(struct repo **out, const char *dir, migc_error *err);
void repo_free(struct repo *r);

/*
 * libgit2 is initialised by the first repo_open() that can find a
 * repository, not at start: a build from a directory outside any
 * repository (a Docker build context) never pays for it (Debian's libgit2
 * 1.5 parses the system's CA bundle for mbedTLS there, ~15 ms). Every
 * libgit2 call of migc goes through a struct repo, so it comes after that
 * repo_open(). main() calls repo_lib_shutdown() once the command is done:
 * it shuts libgit2 down if, and only if, it was initialised.
 */
void repo_lib_shutdown(void);

/*
 * Resolve `rev` (anything git rev-parse takes: a branch, a tag, a hash,
 * origin/main, HEAD~2) to a commit; `*out` is freed with git_commit_free.
 * An unknown revision is MIGC_EUSAGE, with a fetch hint (an unshallow hint
 * in a shallow clone). `what` names the option in messages ("--rev").
 */
int repo_commit(git_commit **out, struct repo *r, const char *rev,
		const char *what, migc_error *err);

/* HEAD's commit, or `*out` NULL when HEAD is unborn (no commits yet). */
int repo_head(git_commit **out, struct repo *r, migc_error *err);

/*
 * The id of the migrations directory's tree in `commit`: 1 when it is
 * there, 0 when the commit has no such directory (or it is not a
 * directory), or a negative MIGC_E* code.
 */
int repo_dir_id(git_oid *out, struct repo *r, const git_commit *commit,
		migc_error *err);

/* The same as a tree object (`*out` NULL when absent; free it). */
int repo_dir_tree(git_tree **out, struct repo *r, const git_commit *commit,
		  migc_error *err);

/* One uncommitted change of the working tree. */
struct repo_change {
	char *path;       /* relative to the repository root */
	const char *what; /* "modified", "new file", "deleted", "untracked",
			     "renamed", "type changed" */
};

/*
 * The uncommitted changes under the migrations directory: staged or not,
 * untracked files included, ignored files not. `*changes` (freed with
 * repo_changes_free) has `*count` entries; 0 entries means clean.
 */
int repo_dir_status(struct repo_change **changes, size_t *count,
		    struct repo *r, migc_error *err);
void repo_changes_free(struct repo_change *changes, size_t count);

/*
 * Provenance: for each migration of `set` present in the directory at
 * `start`, the commit that added the file under its current name, walking
 * the first-parent history of `start` (see git_provenance.c). Migrations
 * not committed at `start` (new files in the working tree) get none.
 * A shallow history that ends before every adding commit was found is
 * MIGC_EUSAGE with an unshallow hint.
 */
int repo_provenance(struct repo *r, const git_commit *start, migc_set *set,
		    migc_error *err);

/* The files of the migrations directory at `commit`, as a source. The
 * source keeps its own reference to the commit; `r` must outlive it. */
int migc_source_git_open(struct migc_source **out, struct repo *r,
			 const git_commit *commit, migc_error *err);

/* Hex ids for messages and the bundle. */
void repo_oid_hex(char out[GIT_OID_HEXSZ + 1], const git_oid *id);
void repo_oid_short(char out[REPO_SHORT_LEN + 1], const git_oid *id);

/*
 * Fill `err` from libgit2's last error: "<what>: <libgit2 message>" with
 * `code`. Returns `code`.
 */
int repo_git_error(migc_error *err, int code, const char *what);

/* The hint for a history cut short by a shallow clone. */
void repo_hint_unshallow(migc_error *err);

#endif /* MIGC_GIT_H */
