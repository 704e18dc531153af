/*
 * cmd_list.c - `migc list`: the migrations of a directory in the order the
 * runtime applies them, with versions, flags and checksums, for people
 * (a table) and for scripts (--format json); from the working tree or
 * from a commit (--rev), with the commit that added each one
 * (--provenance).
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "git.h"
#include "load.h"
#include "source.h"
#include "ui.h"
#include "util.h"

const char cmd_list_usage[] =
	"usage: migc list [DIR] [--format human|json] [--rev REV] [--provenance]\n"
	"\n"
	"Show the migrations in DIR (default: " MIGC_DEFAULT_DIR ") in the order they are\n"
	"applied: versioned ones by version, then repeatable ones by name. Invalid\n"
	"files are reported as `migc build` reports them.\n"
	"\n"
	"options:\n"
	"  --format human|json    output format (default human)\n"
	UI_LAYOUT_HELP
	"  --rev REV              list DIR as it is in commit REV (git)\n"
	"  --provenance           show the commit that added each migration (git)\n";

struct list_opts {
	const char *dir, *format, *rev, *layout_name;
	int provenance;
	migc_layout layout; /* 0: detect */
};

static const char *kind_name(migc_kind kind)
{
	return kind == MIGC_KIND_VERSIONED ? "versioned" : "repeatable";
}

/* Flags as words: "no-transaction,phase-post", or "-". */
static void flag_words(unsigned flags, char *out, size_t size)
{
	static const struct {
		unsigned flag;
		const char *word;
	} words[] = {
		{MIGC_FLAG_NO_TRANSACTION, "no-transaction"},
		{MIGC_FLAG_PHASE_POST, "phase-post"},
		{MIGC_FLAG_DOWN_NO_TRANSACTION, "down-no-transaction"},
	};
	size_t i, n = 0;

	*out = '\0';
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if ((flags & words[i].flag) && n < size)
			n += (size_t)snprintf(out + n, size - n, "%s%s", n ? "," : "",
					      words[i].word);
	if (!*out)
		migc_strlcpy(out, "-", size);
}

/* Length of the valid UTF-8 sequence at `s` (0 when invalid). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD. */
static void json_string(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	putchar('"');
	while (n) {
		size_t len = utf8_seq(s, n);

		if (!len) {
			fputs("\\ufffd", stdout);
			len = 1;
		} else if (*s == '"' || *s == '\\') {
			printf("\\%c", *s);
		} else if (*s < 0x20 || *s == 0x7f) {
			printf("\\u%04x", *s);
		} else {
			fwrite(s, 1, len, stdout);
		}
		s += len;
		n -= len;
	}
	putchar('"');
}

/* When a migration was added, "YYYY-MM-DDTHH:MM:SSZ", or "" when unknown. */
static void added_at(char out[32], const migc_migration *m)
{
	time_t t = (time_t)m->added_time;
	struct tm tm;

	out[0] = '\0';
	if (m->added_commit && *m->added_commit && gmtime_r(&t, &tm))
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void list_json(const migc_set *set, int provenance)
{
	char id[MIGC_CHECKSUM_HEX_LEN + 1];
	size_t i, n = migc_set_count(set);

	migc_set_bundle_id(set, id);
	printf("{\n  \"count\": %zu,\n  \"bundle_id\": \"%s\",\n  \"layout\": \"%s\",\n"
	       "  \"migrations\": [", n, id, migc_layout_name(migc_set_layout(set)));
	for (i = 0; i < n; i++) {
		const migc_migration *m = migc_set_get(set, i);

		printf("%s\n    {\"version\": ", i ? "," : "");
		json_string(m->version);
		fputs(", \"name\": ", stdout);
		json_string(m->name);
		fputs(", \"filename\": ", stdout);
		json_string(m->filename);
		printf(", \"kind\": \"%s\", \"no_transaction\": %s, \"phase\": \"%s\", "
		       "\"checksum\": \"%s\", \"size\": %zu",
		       kind_name(m->kind),
		       m->flags & MIGC_FLAG_NO_TRANSACTION ? "true" : "false",
		       m->flags & MIGC_FLAG_PHASE_POST ? "post" : "pre", m->checksum,
		       m->sql_len);
		fputs(", \"down_file\": ", stdout);
		if (m->down_sql)
			json_string(m->down_filename);
		else
			fputs("null", stdout);
		printf(", \"down_no_transaction\": %s",
		       m->flags & MIGC_FLAG_DOWN_NO_TRANSACTION ? "true" : "false");
		if (provenance) {
			char at[32];

			added_at(at, m);
			if (*at)
				printf(", \"added_commit\": \"%s\", \"added_at\": \"%s\"",
				       m->added_commit, at);
			else
				printf(", \"added_commit\": null, \"added_at\": null");
		}
		putchar('}');
	}
	printf("%s]\n}\n", n ? "\n  " : "");
}

static void list_human(const migc_set *set, int provenance)
{
	char id[MIGC_CHECKSUM_HEX_LEN + 1];
	size_t i, n = migc_set_count(set), vw = 7, nw = 4;

	for (i = 0; i < n; i++) {
		const migc_migration *m = migc_set_get(set, i);

		if (strlen(m->version) > vw)
			vw = strlen(m->version);
		if (strlen(m->name) > nw)
			nw = strlen(m->name);
	}
	if (nw > 40)
		nw = 40;
	printf("%-*s  %-*s  %-10s  %-25s  %-32s%s\n", (int)vw, "VERSION", (int)nw, "NAME",
	       "KIND", "FLAGS", "CHECKSUM", provenance ? "  ADDED IN" : "");
	for (i = 0; i < n; i++) {
		const migc_migration *m = migc_set_get(set, i);
		char flags[64], at[32];

		flag_words(m->flags, flags, sizeof(flags));
		added_at(at, m);
		printf("%-*s  %-*s  %-10s  %-25s  %s", (int)vw,
		       *m->version ? m->version : "R", (int)nw, m->name,
		       kind_name(m->kind), flags, m->checksum);
		if (provenance && *at)
			printf("  %.12s %.10s", m->added_commit, at);
		else if (provenance)
			printf("  -");
		putchar('\n');
	}
	migc_set_bundle_id(set, id);
	printf("\n%zu migration%s, bundle id %s", n, n == 1 ? "" : "s", id);
	if (migc_set_layout(set) != MIGC_LAYOUT_MIGC)
		printf(", read as %s's layout", migc_layout_name(migc_set_layout(set)));
	putchar('\n');
}

static int parse_list(struct list_opts *o, int argc, char **argv)
{
	int i, rc, only_args = 0;

	memset(o, 0, sizeof(*o));
	o->format = "human";
	for (i = 1; i < argc; i++) {
		if (!only_args && argv[i][0] == '-' && argv[i][1]) {
			if (!strcmp(argv[i], "--")) {
				only_args = 1;
				continue;
			}
			if (!strcmp(argv[i], "--provenance")) {
				o->provenance = 1;
				continue;
			}
			if ((rc = ui_opt_value(argc, argv, &i, NULL, "--format", cmd_list_usage,
					       &o->format)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--rev", cmd_list_usage, &o->rev)) ||
			    (rc = ui_opt_value(argc, argv, &i, NULL, "--layout", cmd_list_usage,
					       &o->layout_name))) {
				if (rc < 0)
					return UI_EXIT_USAGE;
				continue;
			}
			return ui_usage_error(cmd_list_usage, "unknown option '%s'", argv[i]);
		}
		if (o->dir)
			return ui_usage_error(cmd_list_usage, "unexpected argument '%s'", argv[i]);
		o->dir = argv[i];
	}
	if (!o->dir)
		o->dir = MIGC_DEFAULT_DIR;
	if (strcmp(o->format, "human") != 0 && strcmp(o->format, "json") != 0)
		return ui_usage_error(cmd_list_usage, "unknown format '%s' (human or json)", o->format);
	if (o->rev && !*o->rev)
		return ui_usage_error(cmd_list_usage, "empty revision");
	return ui_layout(&o->layout, o->layout_name, cmd_list_usage);
}

/*
 * Load the set: from the working tree, or from --rev's commit; with
 * provenance from --rev or HEAD. 0, or the exit code after saying why.
 */
static int list_load(migc_set **set, const struct list_opts *o)
{
	struct migc_source *src = NULL;
	struct repo *repo = NULL;
	git_commit *commit = NULL;
	migc_error err;
	size_t problems = 0;
	int rc = 0;

	migc_error_clear(&err);
	if (o->rev || o->provenance) {
		rc = repo_open(&repo, o->dir, &err);
		if (rc == MIGC_ENOTFOUND)
			rc = MIGC_EUSAGE;
		if (!rc)
			rc = o->rev ? repo_commit(&commit, repo, o->rev, "--rev", &err)
				    : repo_head(&commit, repo, &err);
	}
	if (!rc)
		rc = o->rev ? migc_source_git_open(&src, repo, commit, &err)
			    : migc_source_dir_open(&src, o->dir, &err);
	if (!rc)
		rc = load_set(set, src, o->layout, ui_report_problem, NULL, &problems, &err);
	if (!rc && o->provenance && commit)
		rc = repo_provenance(repo, commit, *set, &err);
	if (rc && problems != 1)
		ui_error(&err);
	if (rc)
		rc = ui_exit_code(rc);
	migc_source_free(src);
	git_commit_free(commit);
	repo_free(repo);
	return rc;
}

int cmd_list(int argc, char **argv)
{
	struct list_opts o;
	migc_set *set = NULL;
	int rc;

	rc = parse_list(&o, argc, argv);
	if (!rc)
		rc = list_load(&set, &o);
	if (rc) {
		migc_set_free(set);
		return rc;
	}
	if (!strcmp(o.format, "json"))
		list_json(set, o.provenance);
	else
		list_human(set, o.provenance);
	migc_set_free(set);
	if (fflush(stdout) != 0) {
		ui_errorf("cannot write the list: %s", "write error");
		return UI_EXIT_INVALID;
	}
	return UI_EXIT_OK;
}
