/*
 * layout_sections.c - the insides of other tools' migration files: goose's
 * and dbmate's up and down sections, each tool's no-transaction marker,
 * and the settings files beside migrations (diesel's metadata.toml,
 * Flyway's .sql.conf). See layout.h; names and detection are in layout.c.
 *
 * As there, every rule is the tool's own, read from its source.
 */
#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "layout_text.h"
#include "util.h"

/* ---- sections and markers ------------------------------------------ */

static const char *const goose_words[] = {
	"Up", "Down", "StatementBegin", "StatementEnd", "NO TRANSACTION",
	"ENVSUB ON", "ENVSUB OFF",
};

/*
 * goose's reading of an annotation line (sqlparser extractAnnotation):
 * every "--" removed, the first "+goose" removed (a second one is an
 * error), the rest trimmed and compared ignoring case.
 */
int layout_goose_annotation(const char *s, size_t n)
{
	char cmd[40];
	const char *c = cmd;
	size_t i = 0, k = 0;
	int seen = 0;

	while (i < n) {
		if (i + 1 < n && s[i] == '-' && s[i + 1] == '-') {
			i += 2;
		} else if (has_prefix(s + i, n - i, "+goose")) {
			if (seen++)
				return G_NONE;
			i += 6;
		} else if (k + 1 < sizeof(cmd)) {
			cmd[k++] = s[i++];
		} else {
			return G_NONE;
		}
	}
	trim(&c, &k);
	for (i = 0; i < G_NONE; i++)
		if (eq_nocase(c, k, goose_words[i]))
			return (int)i;
	return G_NONE;
}

/* A line goose treats as an annotation: "--..." containing "+goose". */
int layout_goose_line(const char *s, size_t n)
{
	const char *t = s;
	size_t k = n;

	trim(&t, &k);
	return has_prefix(t, k, "--") && contains(s, n, "+goose");
}

static int split_goose(const char *display, const char *d, size_t len,
		       struct layout_sections *out, migc_error *err)
{
	static const char hint[] =
		"goose reads -- +goose Up, then the up SQL, then optionally -- +goose Down "
		"and the down SQL; StatementBegin/StatementEnd wrap statements holding semicolons";
	struct text_line l = {0, 0, 0, 0};
	enum { START, UP, UP_BLOCK, DOWN, DOWN_BLOCK } st = START;
	int begin_line = 0;

	while (line_next(d, len, &l)) {
		const char *s = d + l.off, *t = s;
		size_t n = l.len, k = n;
		int a;

		if (!layout_goose_line(s, n)) {
			trim(&t, &k);
			if (st == START && k && !has_prefix(t, k, "--"))
				return layout_fail(err, display, l.no, hint,
					    "SQL before the '-- +goose Up' line "
					    "(goose runs nothing outside its sections)");
			continue;
		}
		if (s[0] == ' ' || s[0] == '\t')
			return layout_fail(err, display, l.no, hint,
				    "a goose annotation must start at the beginning of its line");
		a = layout_goose_annotation(s, n);
		if (a == G_UP) {
			if (st != START)
				return layout_fail(err, display, l.no, hint, "a second '-- +goose Up'");
			st = UP;
			out->up_off = l.next;
			out->up_line = l.no + 1;
		} else if (a == G_DOWN) {
			if (st == START)
				return layout_fail(err, display, l.no, hint,
					    "'-- +goose Down' before '-- +goose Up'");
			if (st != UP)
				return layout_fail(err, display, l.no, hint,
					    st == DOWN ? "a second '-- +goose Down'"
						       : "'-- +goose Down' inside a StatementBegin block");
			st = DOWN;
			out->up_len = l.off - out->up_off;
			out->has_down = 1;
			out->down_off = l.next;
			out->down_line = l.no + 1;
		} else if (a == G_BEGIN) {
			if (st != UP && st != DOWN)
				return layout_fail(err, display, l.no, hint,
					    st == START ? "'-- +goose StatementBegin' before '-- +goose Up'"
							: "a StatementBegin inside another StatementBegin block");
			st = st == UP ? UP_BLOCK : DOWN_BLOCK;
			begin_line = l.no;
		} else if (a == G_END) {
			if (st != UP_BLOCK && st != DOWN_BLOCK)
				return layout_fail(err, display, l.no, hint,
					    "'-- +goose StatementEnd' without a StatementBegin");
			st = st == UP_BLOCK ? UP : DOWN;
		} else if (a == G_NOTX) {
			/* goose: the whole file, up and down */
			out->flags |= MIGC_FLAG_NO_TRANSACTION;
			out->down_flags |= MIGC_FLAG_NO_TRANSACTION;
		} else if (a == G_ENV_ON) {
			return layout_fail(err, display, l.no,
				    "write the values into the SQL; a bundle is compiled once, "
				    "not when it runs",
				    "'-- +goose ENVSUB ON': goose substitutes environment variables when it "
				    "runs, which cannot be compiled into a bundle");
		} else if (a == G_NONE) {
			return layout_fail(err, display, l.no,
				    "goose knows Up, Down, StatementBegin, StatementEnd, NO TRANSACTION "
				    "and ENVSUB ON/OFF (goose itself refuses this line)",
				    "unknown goose annotation '%.*s'", (int)(n > 80 ? 80 : n), s);
		}
	}
	if (st == START)
		return layout_fail(err, display, 0, hint, "no '-- +goose Up' line");
	if (st == UP_BLOCK || st == DOWN_BLOCK)
		return layout_fail(err, display, begin_line, hint,
			    "'-- +goose StatementBegin' without a StatementEnd");
	if (st == UP)
		out->up_len = len - out->up_off;
	else
		out->down_len = len - out->down_off;
	return 0;
}

/*
 * dbmate, migration.go: a marker is ^--\s*migrate:(up|down) at the start
 * of a line, then the end of the line or options "key:value" after
 * whitespace. Returns 1 (up), 2 (down) or 0, with the options text.
 */
int layout_dbmate_marker(const char *s, size_t n, const char **opt,
			 size_t *optlen)
{
	size_t i = 2;
	int kind;

	if (!has_prefix(s, n, "--"))
		return 0;
	while (i < n && is_space(s[i]))
		i++;
	if (has_prefix(s + i, n - i, "migrate:up")) {
		kind = 1;
		i += 10;
	} else if (has_prefix(s + i, n - i, "migrate:down")) {
		kind = 2;
		i += 12;
	} else {
		return 0;
	}
	if (i < n && !is_space(s[i]))
		return 0;
	*opt = s + i;
	*optlen = n - i;
	return kind;
}

/* The options after a dbmate marker; dbmate knows only transaction. */
static int dbmate_options(const char *display, int line, const char *s,
			  size_t n, unsigned *flags, migc_error *err)
{
	size_t i = 0, start;

	while (i < n) {
		while (i < n && is_space(s[i]))
			i++;
		start = i;
		while (i < n && !is_space(s[i]))
			i++;
		if (i == start)
			break;
		if (i - start == 17 && !memcmp(s + start, "transaction:false", 17))
			*flags |= MIGC_FLAG_NO_TRANSACTION;
		else if (i - start != 16 || memcmp(s + start, "transaction:true", 16))
			return layout_fail(err, display, line,
				    "dbmate knows one option, transaction:false (or transaction:true)",
				    "unknown dbmate option '%.*s'", (int)(i - start), s + start);
	}
	return 0;
}

static int split_dbmate(const char *display, const char *d, size_t len,
			struct layout_sections *out, migc_error *err)
{
	static const char hint[] =
		"dbmate reads -- migrate:up, the up SQL, then -- migrate:down and the down SQL";
	struct text_line l = {0, 0, 0, 0};
	int st = 0, rc;

	while (line_next(d, len, &l)) {
		const char *s = d + l.off, *opt, *t = s;
		size_t n = l.len, optlen, k = n;
		int m = layout_dbmate_marker(s, n, &opt, &optlen);

		if (m == 1) {
			if (st)
				return layout_fail(err, display, l.no, hint,
					    st == 1 ? "a second '-- migrate:up'"
						    : "'-- migrate:up' after '-- migrate:down'");
			st = 1;
			out->up_off = l.next;
			out->up_line = l.no + 1;
		} else if (m == 2) {
			if (st != 1)
				return layout_fail(err, display, l.no, hint,
					    st ? "a second '-- migrate:down'"
					       : "'-- migrate:down' before '-- migrate:up'");
			st = 2;
			out->up_len = l.off - out->up_off;
			out->has_down = 1;
			out->down_off = l.next;
			out->down_line = l.no + 1;
		} else {
			trim(&t, &k);
			if (!st && k && !has_prefix(t, k, "--"))
				return layout_fail(err, display, l.no, hint,
					    "SQL before the '-- migrate:up' line "
					    "(dbmate refuses statements before it)");
			continue;
		}
		/* each marker's options are its own section's */
		rc = dbmate_options(display, l.no, opt, optlen,
				    m == 1 ? &out->flags : &out->down_flags, err);
		if (rc)
			return rc;
	}
	if (!st)
		return layout_fail(err, display, 0, hint, "no '-- migrate:up' line");
	if (st == 1)
		out->up_len = len - out->up_off;
	else
		out->down_len = len - out->down_off;
	return 0;
}

/* The in-file marker of a one-section file. */
static unsigned file_flags(migc_layout layout, const char *d, size_t len)
{
	struct text_line l = {0, 0, 0, 0};

	/* sqlx, source.rs: sql.starts_with("-- no-transaction") */
	if (layout == MIGC_LAYOUT_SQLX)
		return has_prefix(d, len, "-- no-transaction") ? MIGC_FLAG_NO_TRANSACTION : 0;
	if (layout != MIGC_LAYOUT_REFINERY)
		return 0;
	/* refinery, util.rs: any line ^[-]{2,}[\s]?(refinery:noTransaction)$ */
	while (line_next(d, len, &l)) {
		const char *s = d + l.off;
		size_t n = l.len, i = 0;

		while (i < n && s[i] == '-')
			i++;
		if (i < 2)
			continue;
		if (i < n && is_space(s[i]))
			i++;
		if (n - i == 22 && memcmp(s + i, "refinery:noTransaction", 22) == 0)
			return MIGC_FLAG_NO_TRANSACTION;
	}
	return 0;
}

int layout_split(migc_layout layout, enum layout_role role,
		 const char *display, const char *data, size_t len,
		 struct layout_sections *out, migc_error *err)
{
	memset(out, 0, sizeof(*out));
	if (role == LAYOUT_UP) {
		out->up_len = len;
		out->up_line = 1;
	} else if (role == LAYOUT_DOWN) {
		out->has_down = 1;
		out->down_len = len;
		out->down_line = 1;
	} else if (role == LAYOUT_SECTIONS && layout == MIGC_LAYOUT_GOOSE) {
		return split_goose(display, data, len, out, err);
	} else if (role == LAYOUT_SECTIONS && layout == MIGC_LAYOUT_DBMATE) {
		return split_dbmate(display, data, len, out, err);
	} else {
		return migc_err(err, MIGC_ERROR, "%s: not a SQL file of the %s layout",
				display, migc_layout_name(layout) ? migc_layout_name(layout) : "?");
	}
	if (role == LAYOUT_DOWN)
		out->down_flags = file_flags(layout, data, len);
	else
		out->flags = file_flags(layout, data, len);
	return 0;
}

/* ---- configuration files ------------------------------------------- */

/*
 * diesel's metadata.toml (migrations_internals TomlMetadata): the only key
 * is run_in_transaction, a TOML boolean; other keys are ignored. Its serde
 * default is false: a metadata.toml without the key makes diesel run the
 * migration outside a transaction, which is seldom what the author meant,
 * so migc asks for the key to be written.
 */
static int config_diesel(const char *display, const char *d, size_t len,
			 unsigned *flags, migc_error *err)
{
	struct text_line l = {0, 0, 0, 0};
	int in_table = 0, found = 0;

	while (line_next(d, len, &l)) {
		const char *s = d + l.off, *v, *hash, *key;
		size_t n = l.len, kn, vn;

		trim(&s, &n);
		if (!n || s[0] == '#')
			continue;
		if (s[0] == '[') {
			in_table = 1;
			continue;
		}
		if (s[0] == '"' || s[0] == '\'') { /* a quoted key */
			key = s + 1;
			v = memchr(key, s[0], n - 1);
			if (!v)
				continue;
			kn = (size_t)(v - key);
			v++;
		} else {
			key = s;
			for (kn = 0; kn < n && (is_alnum(s[kn]) || s[kn] == '_' || s[kn] == '-');)
				kn++;
			v = s + kn;
		}
		vn = n - (size_t)(v - s);
		trim(&v, &vn);
		if (in_table || kn != 18 || memcmp(key, "run_in_transaction", 18) != 0)
			continue;
		if (!vn || v[0] != '=')
			return layout_fail(err, display, l.no, "write run_in_transaction = false",
				    "run_in_transaction without '=' after it");
		v++;
		vn--;
		hash = memchr(v, '#', vn);
		if (hash)
			vn = (size_t)(hash - v);
		trim(&v, &vn);
		if (found)
			return layout_fail(err, display, l.no, NULL,
				    "run_in_transaction is set twice (TOML refuses a repeated key)");
		found = 1;
		if (vn == 5 && memcmp(v, "false", 5) == 0)
			*flags |= MIGC_FLAG_NO_TRANSACTION;
		else if (vn != 4 || memcmp(v, "true", 4) != 0)
			return layout_fail(err, display, l.no,
				    "write run_in_transaction = false (a TOML boolean: lowercase, unquoted)",
				    "run_in_transaction must be true or false, not '%.*s'", (int)vn, v);
	}
	if (!found)
		return layout_fail(err, display, 0,
			    "write run_in_transaction = true (or = false) in it, or delete the file",
			    "no run_in_transaction: diesel then runs the migration outside a "
			    "transaction (its default for a present metadata.toml)");
	return 0;
}

static int flyway_bool(const char *v, size_t n, int *out)
{
	if (eq_nocase(v, n, "true"))
		*out = 1;
	else if (eq_nocase(v, n, "false"))
		*out = 0;
	else
		return -1;
	return 0;
}

/*
 * Flyway's <script>.sql.conf (SqlScriptMetadata): Java properties with
 * executeInTransaction, encoding, placeholderReplacement and shouldExecute;
 * Flyway refuses any other key, and so does migc.
 */
static int config_flyway(const char *display, const char *d, size_t len,
			 unsigned *flags, migc_error *err)
{
	struct text_line l = {0, 0, 0, 0};

	while (line_next(d, len, &l)) {
		const char *s = d + l.off, *v;
		size_t n = l.len, k = 0, vn;
		int b;

		trim(&s, &n);
		if (!n || s[0] == '#' || s[0] == '!')
			continue;
		while (k < n && s[k] != '=' && s[k] != ':' && !is_space(s[k]))
			k++;
		v = s + k;
		vn = n - k;
		trim(&v, &vn);
		if (vn && (v[0] == '=' || v[0] == ':')) {
			v++;
			vn--;
			trim(&v, &vn);
		}
		if (k == 20 && !memcmp(s, "executeInTransaction", 20)) {
			if (flyway_bool(v, vn, &b))
				return layout_fail(err, display, l.no, "write executeInTransaction=false",
					    "executeInTransaction must be true or false, not '%.*s'",
					    (int)vn, v);
			if (!b)
				*flags |= MIGC_FLAG_NO_TRANSACTION;
		} else if (k == 8 && !memcmp(s, "encoding", 8)) {
			if (!eq_nocase(v, vn, "UTF-8") && !eq_nocase(v, vn, "UTF8"))
				return layout_fail(err, display, l.no,
					    "convert the script to UTF-8 and drop the encoding line",
					    "migc reads every script as UTF-8, not %.*s", (int)vn, v);
		} else if (k == 22 && !memcmp(s, "placeholderReplacement", 22)) {
			continue; /* migc never replaces placeholders */
		} else if (k == 13 && !memcmp(s, "shouldExecute", 13)) {
			return layout_fail(err, display, l.no,
				    "split the migration per environment, or drop shouldExecute",
				    "shouldExecute: conditional execution cannot be compiled in");
		} else {
			return layout_fail(err, display, l.no,
				    "Flyway script configuration knows executeInTransaction, encoding, "
				    "placeholderReplacement and shouldExecute",
				    "unknown key '%.*s' (Flyway refuses it too)", (int)k, s);
		}
	}
	return 0;
}

int layout_config(migc_layout layout, const char *display, const char *data,
		  size_t len, unsigned *flags, migc_error *err)
{
	if (layout == MIGC_LAYOUT_DIESEL)
		return config_diesel(display, data, len, flags, err);
	if (layout == MIGC_LAYOUT_FLYWAY)
		return config_flyway(display, data, len, flags, err);
	return migc_err(err, MIGC_ERROR, "%s: the %s layout has no configuration files",
			display, migc_layout_name(layout) ? migc_layout_name(layout) : "?");
}

