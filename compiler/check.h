/*
 * check.h - `migc check`: the three sides it compares (read by cmd_check.c),
 * the rules (check_rules.c), and how findings are printed (check_output.c)
 * as text, JSON or GitHub annotations.
 *
 * Nothing here needs libgit2: commits are already hex strings.
 */
#ifndef MIGC_CHECK_H
#define MIGC_CHECK_H

#include <stddef.h>

#include "migc.h"
#include "util.h"

/* Finding kinds: stable names, part of the JSON schema. */
#define CHECK_EDITED "edited"       /* merged migration's checksum changed */
#define CHECK_DELETED "deleted"     /* merged migration gone */
#define CHECK_RENAMED "renamed"     /* merged migration under a new name */
#define CHECK_COLLISION "collision" /* new version taken in the base's tip */
#define CHECK_ORDER "out-of-order"  /* new version sorts before the tip's newest */
#define CHECK_DUPLICATE "duplicate" /* two new migrations, one version */

#define CHECK_HEX 41 /* 40 hex digits (or fewer, SHA-256 aside) and a NUL */

struct check_finding {
	const char *kind;       /* CHECK_* */
	char *file;             /* path from the repository root */
	char *version;          /* the file's version */
	char commit[CHECK_HEX]; /* the commit it conflicts with */
	char *conflicts_with;   /* the other file (path from the root), or NULL */
	char next_version[260]; /* the next free version to use, or "" */
	char *message;          /* one line, without the file name */
	char *suggestion;       /* what to do */
};

struct check_result {
	const char *ref;           /* --base as given */
	const char *dir;           /* the directory as given */
	const char *prefix;        /* the directory from the repository root */
	char tip[CHECK_HEX];        /* REF's commit */
	char merge_base[CHECK_HEX]; /* merge base of REF and HEAD */
	char head[CHECK_HEX];       /* HEAD's commit */
	int worktree;              /* the working tree was checked, not HEAD */
	size_t checked;            /* versioned migrations on the branch */
	size_t added;              /* of which new since the merge base */
	struct check_finding *findings;
	size_t count, cap;
};

/* Add a finding (strings are copied; `conflicts_with` may be NULL). */
int check_add(struct check_result *res, const char *kind, const char *file,
	      const char *version, const char *commit,
	      const char *conflicts_with, const char *next_version,
	      const char *message, const char *suggestion, migc_error *err);
void check_result_free(struct check_result *res);

/* One migration file of one side (the merge base, REF's tip, the branch). */
struct mfile {
	char *filename;
	char *version; /* "" for repeatable */
	char *name;
	migc_kind kind;
	char checksum[MIGC_CHECKSUM_HEX_LEN + 1];
	int old;   /* head side: present at the merge base under this name */
	int taken; /* head side: explained already (rename, merged meanwhile) */
};

/* The migrations of one side, sorted by file name. */
struct mlist {
	struct mfile *items;
	size_t count, cap;
	int present; /* the directory exists there */
};

struct repo; /* git.h: only cmd_check.c looks inside */

/* The three sides and the findings, for check_rules(). */
struct checker {
	struct repo *repo;
	const char *prefix; /* the directory from the repository root */
	struct check_result *res;
	struct mlist base, tip, head;
	char next[260]; /* the last version handed out in a suggestion */
};

/* Sort a side by file name (check_rules() looks files up by name). */
void check_sort_files(struct mlist *l);

/*
 * Fill k->res with the findings (check_rules.c); k->res's commits, ref and
 * k->prefix must be set, and every side sorted.
 */
int check_rules(struct checker *k, migc_error *err);

/* Output formats. */
enum check_format { CHECK_HUMAN, CHECK_JSON, CHECK_GITHUB };

/*
 * Print the result in `format` (findings: stderr for human, stdout for the
 * others; the human summary of a clean run: stdout). 0, or MIGC_EIO /
 * MIGC_ENOMEM when the output could not be written.
 */
int check_print(const struct check_result *res, enum check_format format);

/*
 * Print an error that stopped the check (exit `exit_code`) in `format`:
 * always `migc: error:` on stderr; also a JSON document with "error", or a
 * GitHub error annotation, so that CI shows why.
 */
void check_print_error(const migc_error *err, int exit_code,
		       enum check_format format);

/* GitHub workflow command escaping (exposed for the unit test). `prop`:
 * escape for a property value (also ':' and ','), else for the message. */
int check_github_escape(migc_buf *out, const char *s, int prop);

/*
 * One workflow-command annotation into `b`:
 * `::LEVEL file=F,line=N,title=T::MESSAGE (HINT)`; `file` may be NULL and
 * `line` 0 (then left out); everything escaped as GitHub requires. Used by
 * `migc check` and `migc lint`.
 */
int github_annotation(migc_buf *b, const char *level, const char *file,
		      int line, const char *title, const char *message,
		      const char *hint);

#endif /* MIGC_CHECK_H */
