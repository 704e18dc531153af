/*
 * history.h - the rows of the history table, as drivers read and write them.
 *
 * One row per application of a migration. The table (default name
 * `migc_history`) has these columns, in every dialect:
 *
 *   id            integer, increasing: the order rows were written
 *   version       text, "" for repeatable migrations
 *   name          text
 *   kind          text: "versioned" | "repeatable"
 *   checksum      text: "xxh3-128:<32 hex>" (algorithm tag, then digest)
 *   state         text: see migc_hstate
 *   applied_at    text: ISO-8601 UTC, "2026-11-26T22:34:09Z"
 *   duration_ms   integer
 *   bundle_id     text
 *   source_commit text ("" when unknown)
 *   applied_by    text: who ran it ("user@host")
 *   note          text: how a failed row was resolved, or ""
 *   runner        text: who is applying a "running" row, for liveness
 *                 checks (driver-defined; "" when unused)
 *
 * and a unique index on (version) over versioned rows whose state is not
 * "undone", so the database itself refuses a second application of one
 * version whatever the runners do.
 */
#ifndef MIGC_HISTORY_H
#define MIGC_HISTORY_H

#include <stddef.h>

typedef enum migc_hstate {
	MIGC_H_APPLIED = 1, /* "applied": ran and committed */
	MIGC_H_BASELINE,    /* "baseline": marked applied, never run */
	MIGC_H_RUNNING,     /* "running": a no-transaction migration under way */
	MIGC_H_FAILED,      /* "failed": a no-transaction migration failed */
	MIGC_H_UNDONE       /* "undone": resolved as not applied; ignored */
} migc_hstate;

struct migc_history_row {
	long long id;
	int kind; /* migc_kind */
	char *version;
	char *name;
	char *checksum; /* as stored, with its tag */
	migc_hstate state;
	char *applied_at;
	long long duration_ms;
	char *bundle_id;
	char *source_commit;
	char *applied_by;
	char *note;
	char *runner;
};

/*
 * Rows in the order pushed. Start from {NULL, 0, 0}; grow only with
 * migc_history_push (or _push_borrowed) and free only with
 * migc_history_clear (`rows` is part of a larger allocation that also
 * holds the rows' strings, and what borrowed rows point into).
 */
struct migc_history {
	struct migc_history_row *rows;
	size_t count;
	size_t cap;
};

/* Text forms used in the table. */
const char *migc_hstate_name(migc_hstate state);
int migc_hstate_parse(const char *text, migc_hstate *out); /* 0 or -1 */
const char *migc_kind_name(int kind);                      /* "versioned" */
int migc_kind_parse(const char *text, int *out);           /* 0 or -1 */

/*
 * Append a row, copying every string (NULL is stored as ""): 0, or
 * MIGC_ENOMEM with `h` as it was. The copies stay valid, and unchanged,
 * until migc_history_clear, however many rows are pushed after.
 */
int migc_history_push(struct migc_history *h,
		      const struct migc_history_row *row);
/*
 * Borrowing instead of copying, for a reader whose strings already sit in
 * memory that can live as long as the rows (a PGresult: no copy of 10,000
 * rows' strings, nor the page faults of fresh memory for them):
 * migc_history_keep hands `owner` to the history, which calls
 * release(owner) at migc_history_clear (at once when keep fails:
 * MIGC_ENOMEM); migc_history_push_borrowed then appends a row whose
 * strings point into it (or are static), as they are (NULL as "").
 * migc_history_text gives `n` bytes for a string the reader computes,
 * freed at the clear too (NULL: out of memory).
 */
int migc_history_keep(struct migc_history *h, void *owner,
		      void (*release)(void *));
int migc_history_push_borrowed(struct migc_history *h,
			       const struct migc_history_row *row);
char *migc_history_text(struct migc_history *h, size_t n);
/*
 * Room for `rows` rows in all, and for their strings (~160 bytes a row),
 * each in one allocation, for a reader that knows the count up front (or
 * a bound: what is not touched costs address space only). A hint: pushing
 * more rows still works. 0, or MIGC_ENOMEM with the rows as they were.
 */
int migc_history_reserve(struct migc_history *h, size_t rows);
/* The same for the row array alone (a reader that borrows its strings). */
int migc_history_reserve_rows(struct migc_history *h, size_t rows);
/* Free the rows and their strings; `h` is then empty ({NULL, 0, 0}). */
void migc_history_clear(struct migc_history *h);

#endif /* MIGC_HISTORY_H */
